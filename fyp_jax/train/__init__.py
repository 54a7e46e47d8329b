"""One trainer for every stage (0: small model from scratch, 1: pose encoder, 2: temporal
layers), from one CPU to a multi-host TPU slice.

``run(config, stages=...)`` is what train_stage1.py / train_stage2.py call; ``train(config,
task, source, workdir)`` is the loop for a custom Task or data source. One idea per module:
partition (trainable regexes), sharding (mesh and rules), optimizer, state, step, checkpoint,
reporting, validation, data, start (starting point), conditioning + diffusion_loss and
stage0/1/2 (the losses), task (what a stage trains), loop, run, distributed.
"""
