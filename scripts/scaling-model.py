#!/usr/bin/env python3
"""The scaling model of docs/distributed.md ("Cost"): the time of one training step of
`mpirun -np P fovea train` (one thread per process), as compute plus exchange, for P processes on a
network of latency alpha and bandwidth beta, and the speed-up over one process at the same batch.

    compute(P)  = ceil(S/P) * (B/S) * t_sample + t_fixed
    exchange(P) = [alpha + max(sent, received) / beta]            step 3: shard slices, point to point
                + [(P-1) * alpha + 4N (P-1)/P / beta]            step 4: ring all-gather of the sum
                + 2 * ceil(log2 P) * alpha                         loss totals, stop agreement

with N parameters, batch B cut into S shards (Trainer.shardCount: about 32 samples each, even,
at most 64), sent = ceil(S/P) (P-1) 4N/P and received = (S - ceil(S/P)) 4N/P bytes per rank.
t_sample (one thread) comes from `fovea bench --model M --threads 1` ("layers only"); t_fixed
(the optimizer's update, which every rank makes in full, and the step's other fixed costs) from
a one-process, one-thread run at batch 32 minus 32 t_sample. Usage: scripts/scaling-model.py
(prints the table of the docs and the check against this machine's two measured points).
"""
import math

# Measured on this machine (docs/distributed.md): parameters, seconds per sample on one thread,
# fixed seconds per step.
MODELS = {"lenet-small": (62_558, 36.4e-6, 0.44e-3), "mnist-cnn": (1_199_882, 0.618e-3, 0.9e-3)}
# Latency (s) and bandwidth (bytes/s): 10 Gb/s Ethernet with TCP, 100 Gb/s with RDMA.
NETWORKS = {"10 Gb/s": (30e-6, 1.25e9), "100 Gb/s": (3e-6, 12.5e9)}
# This machine's shared-memory transport, fitted to the two measured exchanges (0.19 ms for
# lenet-small, 1.48 ms for mnist-cnn at P = 2, batch 32), waiting included.
THIS_MACHINE = (30e-6, 3.53e9)


def shard_count(batch):
    by_size = (batch + 31) // 32
    return max(1, min(batch, min(64, max(2, by_size + by_size % 2))))


def step(parameters, t_sample, t_fixed, processes, batch, alpha, beta):
    shards = shard_count(batch)
    own = math.ceil(shards / processes)
    compute = own * (batch / shards) * t_sample + t_fixed
    gradient = 4 * parameters
    sent = own * (processes - 1) * gradient / processes
    received = (shards - own) * gradient / processes
    exchange = (alpha + max(sent, received) / beta
                + (processes - 1) * alpha + gradient * (processes - 1) / processes / beta
                + 2 * math.ceil(math.log2(processes)) * alpha)
    return compute, exchange, shards


print("| model | network | P | batch | shards | compute ms | exchange ms | exchange/compute | speed-up | efficiency |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name, (n, t_sample, t_fixed) in MODELS.items():
    for network, (alpha, beta) in NETWORKS.items():
        for p in (8, 64, 512):
            batch = 32 * p
            compute, exchange, shards = step(n, t_sample, t_fixed, p, batch, alpha, beta)
            speedup = (batch * t_sample + t_fixed) / (compute + exchange)
            print(f"| {name} | {network} | {p} | {batch:,} | {shards} | {compute * 1e3:.1f} | {exchange * 1e3:.2f} "
                  f"| {exchange / compute:.2f} | {speedup:.1f}× | {speedup / p * 100:.0f} % |")

print()
for name, (n, t_sample, t_fixed) in MODELS.items():
    compute, exchange, _ = step(n, t_sample, t_fixed, 2, 32, *THIS_MACHINE)
    print(f"{name}: P = 2 × T = 1, batch 32, this machine: predicted {(compute + exchange) * 1e3:.2f} ms per step "
          f"(compute {compute * 1e3:.2f}, exchange {exchange * 1e3:.2f}), {32 / (compute + exchange):,.0f} samples/s")
