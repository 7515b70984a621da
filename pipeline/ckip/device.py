"""The torch device a CKIP model runs on, from a ``device`` setting (auto, cpu, cuda, cuda:N)."""

from __future__ import annotations

from typing import Any


def torch_device(device: str) -> Any:
    import torch

    if device == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
