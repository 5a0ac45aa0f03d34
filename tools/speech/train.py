"""Train the built-in digit network (CTC over log-mel frames) and export numpy weights.

    python tools/speech/train.py [--clips /tmp/callrec_speech/clips.npz] [--holdout theo]
    python tools/speech/train.py --evaluate redaction/speech/model.npz  # exported weights only

Trains on espeak-ng voices (make_data.py) plus the fsdd-dev speakers of TRAIN_SPEAKERS not
held out, with telephone-channel augmentation; reports greedy digit accuracy on the held-out
speaker (``--holdout jackson`` trains on nicolas alone: jackson is then a human the network never
met, as theo is to the shipped weights);
writes redaction/speech/model.npz (float16 weights, batch norm folded in). Needs torch
(a training-only tool: the product never imports it). Keep runs short: nice, 1-2 threads.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from redaction.speech.features import N_MELS  # noqa: E402
from redaction.speech.vocabulary import LABELS  # noqa: E402
from tools.speech import sequences as seq  # noqa: E402

CHANNELS = 96
DILATIONS = (1, 2, 4, 8)
KERNEL = 5
#: The fsdd-dev speakers the network may learn from; theo, the held-out bench's unseen human,
#: never (``--holdout`` only chooses which one is evaluated, and which of these is left out).
TRAIN_SPEAKERS = frozenset({"jackson", "nicolas"})


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Conv1d(N_MELS, CHANNELS, KERNEL, padding=KERNEL // 2)
        self.inp_bn = nn.BatchNorm1d(CHANNELS)
        self.down = nn.Conv1d(CHANNELS, CHANNELS, KERNEL, stride=2, padding=KERNEL // 2)
        self.down_bn = nn.BatchNorm1d(CHANNELS)
        self.blocks = nn.ModuleList(nn.Conv1d(CHANNELS, CHANNELS, KERNEL, dilation=d, padding=d * (KERNEL // 2)) for d in DILATIONS)
        self.block_bns = nn.ModuleList(nn.BatchNorm1d(CHANNELS) for _ in DILATIONS)
        self.drop = nn.Dropout(0.1)
        self.out = nn.Conv1d(CHANNELS, len(LABELS), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, T) -> (N, labels, T')
        h = torch.relu(self.inp_bn(self.inp(x)))
        h = torch.relu(self.down_bn(self.down(h)))
        for conv, bn in zip(self.blocks, self.block_bns):
            h = h + self.drop(torch.relu(bn(conv(h))))
        return self.out(h)


def out_len(t: int) -> int:
    return (t + 2 * (KERNEL // 2) - KERNEL) // 2 + 1


def build(voices: dict, n: int, rng: np.random.Generator, *, train: bool = True, human_share: float = 0.0,
          reverb: float = 0.0):
    """``n`` utterances; ``human_share`` of them by the fsdd speakers (keys without "synth");
    ``reverb``: the share of them heard in a simulated room (``channel.room``)."""
    synthetic = sorted(k for k in voices if k.startswith("synth"))
    human = sorted(k for k in voices if not k.startswith("synth"))
    data = []
    for _ in range(n):
        names = human if (not synthetic or (human and rng.random() < human_share)) else synthetic
        name = names[int(rng.integers(len(names)))]
        audio, labels = seq.utterance(voices[name], rng)
        data.append((seq.features(seq.augment(audio, rng, reverb), rng if train else None), seq.targets(labels)))
    return data


def batches(data, size, rng):
    order = rng.permutation(len(data))
    for i in range(0, len(order), size):
        items = [data[j] for j in order[i : i + size]]
        t_max = max(f.shape[0] for f, _ in items)
        x = np.zeros((len(items), N_MELS, t_max), np.float32)
        for k, (f, _) in enumerate(items):
            x[k, :, : f.shape[0]] = f.T
        ys = np.concatenate([y for _, y in items])
        yield (torch.from_numpy(x), torch.from_numpy(ys), torch.tensor([out_len(f.shape[0]) for f, _ in items]),
               torch.tensor([len(y) for _, y in items]))


def greedy(logits: np.ndarray) -> list[int]:
    best = logits.argmax(axis=0)
    out, prev = [], 0
    for b in best:
        if b != prev and b != 0:
            out.append(int(b))
        prev = b
    return out


def edit_distance(a: list[int], b: list[int]) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def evaluate(net: Net, data) -> float:
    net.eval()
    errors = total = 0
    with torch.no_grad():
        for f, y in data:
            logits = net(torch.from_numpy(f.T[None]))[0].numpy()
            errors += edit_distance(greedy(logits), list(y))
            total += len(y)
    net.train()
    return 1.0 - errors / max(total, 1)


def evaluate_exported(path: Path, data) -> float:
    """``evaluate`` for exported weights, through the product's numpy network (float16 weights)."""
    from redaction.speech.network import DigitNetwork  # noqa: PLC0415

    net = DigitNetwork(path)
    errors = total = 0
    for f, y in data:
        errors += edit_distance(greedy(net.posteriors(f).T), list(y))
        total += len(y)
    return 1.0 - errors / max(total, 1)


def fold(conv: nn.Conv1d, bn: nn.BatchNorm1d | None) -> tuple[np.ndarray, np.ndarray]:
    w = conv.weight.detach().numpy().astype(np.float64)
    b = conv.bias.detach().numpy().astype(np.float64)
    if bn is not None:
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy()
        w = w * scale[:, None, None]
        b = (b - bn.running_mean.detach().numpy()) * scale + bn.bias.detach().numpy()
    return w.astype(np.float16), b.astype(np.float32)


def export(net: Net, path: Path) -> None:
    arrays = {}
    arrays["inp_w"], arrays["inp_b"] = fold(net.inp, net.inp_bn)
    arrays["down_w"], arrays["down_b"] = fold(net.down, net.down_bn)
    for i, (conv, bn) in enumerate(zip(net.blocks, net.block_bns)):
        arrays[f"block{i}_w"], arrays[f"block{i}_b"] = fold(conv, bn)
    arrays["out_w"], arrays["out_b"] = fold(net.out, None)
    arrays["dilations"] = np.array(DILATIONS)
    arrays["labels"] = np.array(LABELS)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=Path, default=Path("/tmp/callrec_speech/clips.npz"))
    ap.add_argument("--holdout", default="theo")
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--human-share", type=float, default=0.4)
    ap.add_argument("--reverb", type=float, default=0.0, help="share of training utterances heard in a simulated room")
    ap.add_argument("--out", type=Path, default=ROOT / "redaction" / "speech" / "model.npz")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--evaluate", type=Path, action="append", default=[], metavar="MODEL_NPZ",
                    help="only report exported weights' greedy accuracy on the held-out speaker (no training)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.evaluate:
        valid = build(seq.load_fsdd({args.holdout}), 300, np.random.default_rng(99), train=False)
        for path in args.evaluate:
            print(f"{path}: held-out {args.holdout} accuracy {evaluate_exported(path, valid):.3f}")
        return
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    speakers = TRAIN_SPEAKERS - {args.holdout}
    voices = seq.load_synthetic(args.clips)
    fsdd = seq.load_fsdd(speakers)
    voices.update(fsdd)
    t0 = time.time()
    held = seq.load_fsdd({args.holdout})
    valid = build(held, 300, np.random.default_rng(99), train=False)
    net = Net()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * ((args.train + 31) // 32)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(args.epochs):
        # Fresh utterances and augmentation every epoch; the two human voices are few next
        # to ~300 synthetic ones, so they get a fixed share.
        train = build(voices, args.train, rng, human_share=args.human_share, reverb=args.reverb)
        total = 0.0
        for x, y, xl, yl in batches(train, 32, rng):
            logp = net(x).permute(2, 0, 1).log_softmax(-1)
            loss = ctc(logp, y, xl, yl)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
        acc = evaluate(net, valid)
        print(f"epoch {epoch} loss {total / (args.train / 32):.3f} held-out {args.holdout} accuracy {acc:.3f} "
              f"({time.time() - t0:.0f}s)", flush=True)
        export(net, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
