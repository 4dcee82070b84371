"""The report's model (`--arch seed`) in PyTorch, exactly as the project specification describes it,
with module names that give the checkpoint contract's state_dict keys:
G.fc, G.up1, G.up2, G.up3, G.out and D.conv1, D.conv2, D.conv3, D.fc.

Used by tools/torch_reference.py (reference data for the C engine's tests) and by
bench/torch_step.py, bench/torch_sample.py (PyTorch timings to compare against).
Each forward can record its intermediate activations into a dict (`trace`).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT = 100
SLOPE = 0.2


def _rec(trace, name, t):
    if trace is not None:
        if t.requires_grad:
            t.retain_grad()  # so the caller can read dL/d(activation) after backward
        trace[name] = t


class Generator(nn.Module):
    """Linear(100,8192) -> view(-1,128,8,8) -> [ConvT(k4 s2 p1) -> LeakyReLU(0.2)] x3
    (128->128->256->512, 8->16->32->64) -> Conv2d(512,3,5,1,2) -> Sigmoid."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(LATENT, 128 * 8 * 8)
        self.up1 = nn.ConvTranspose2d(128, 128, 4, 2, 1)
        self.up2 = nn.ConvTranspose2d(128, 256, 4, 2, 1)
        self.up3 = nn.ConvTranspose2d(256, 512, 4, 2, 1)
        self.out = nn.Conv2d(512, 3, 5, 1, 2)

    def forward(self, z, trace=None):
        h = self.fc(z)
        _rec(trace, "fc", h)
        h = h.view(-1, 128, 8, 8)
        for name in ("up1", "up2", "up3"):
            h = getattr(self, name)(h)
            _rec(trace, name + "_pre", h)
            h = F.leaky_relu(h, SLOPE)
            _rec(trace, name, h)
        h = self.out(h)
        _rec(trace, "out_pre", h)
        h = torch.sigmoid(h)
        _rec(trace, "out", h)
        return h


class Discriminator(nn.Module):
    """[Conv2d(k4 s2 p1) -> LeakyReLU(0.2)] x3 (3->64->128->128, 64->32->16->8) ->
    Flatten(8192) -> Dropout(p) -> Linear(8192,1) -> Sigmoid."""

    def __init__(self, dropout=0.2):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 4, 2, 1)
        self.conv2 = nn.Conv2d(64, 128, 4, 2, 1)
        self.conv3 = nn.Conv2d(128, 128, 4, 2, 1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(128 * 8 * 8, 1)

    def forward(self, x, trace=None):
        h = x
        for name in ("conv1", "conv2", "conv3"):
            h = getattr(self, name)(h)
            _rec(trace, name + "_pre", h)
            h = F.leaky_relu(h, SLOPE)
            _rec(trace, name, h)
        h = self.drop(torch.flatten(h, 1))
        h = self.fc(h)
        _rec(trace, "fc", h)  # the logit
        h = torch.sigmoid(h)
        _rec(trace, "out", h)
        return h


class SeedGAN(nn.Module):
    """Holds G and D so that state_dict() keys are G.* and D.*."""

    def __init__(self, dropout=0.2):
        super().__init__()
        self.G = Generator()
        self.D = Discriminator(dropout)


def count(module):
    return sum(p.numel() for p in module.parameters())


G_PARAMS = 3750275
D_PARAMS = 404801


# ---- --arch face: the cover generator (src/model/arch.c build_face_g / build_face_d) ----------

def scaled(channels, width):
    """fc_scaled: lroundf(channels * width), at least 1."""
    import math
    return max(1, int(math.floor(channels * width + 0.5)))


class FaceGenerator(nn.Module):
    """Linear(100, 8c*16, bias=False) -> view(-1, 8c, 4, 4) -> BN -> ReLU ->
    4 x [Upsample(x2, nearest) -> Conv2d(3x3, p1, bias=False) -> BN -> ReLU] (4c, 2c, c, c/2;
    4 -> 8 -> 16 -> 32 -> 64) -> Conv2d(c/2, 3, 3, 1, 1) -> Sigmoid;  c = 64 * width.
    grow=True (--arch face128): a fifth block conv5/bn5 (c/2 -> c/2, 64 -> 128) before out."""

    def __init__(self, width=1.0, grow=False):
        super().__init__()
        self.c8 = scaled(512, width)
        ch = [self.c8] + [scaled(c, width) for c in (256, 128, 64, 32)] + ([scaled(32, width)] if grow else [])
        self.blocks = len(ch) - 1
        self.fc = nn.Linear(LATENT, self.c8 * 16, bias=False)
        self.bn0 = nn.BatchNorm2d(self.c8)
        for i in range(1, self.blocks + 1):
            setattr(self, f"conv{i}", nn.Conv2d(ch[i - 1], ch[i], 3, 1, 1, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(ch[i]))
        self.out = nn.Conv2d(ch[-1], 3, 3, 1, 1)

    def forward(self, z, trace=None):
        h = self.fc(z)
        _rec(trace, "fc", h)
        h = F.relu(self.bn0(h.view(-1, self.c8, 4, 4)))
        _rec(trace, "act0", h)
        for i in range(1, self.blocks + 1):
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            _rec(trace, f"up{i}", h)
            h = getattr(self, f"conv{i}")(h)
            _rec(trace, f"conv{i}", h)
            h = F.relu(getattr(self, f"bn{i}")(h))
            _rec(trace, f"act{i}", h)
        h = torch.sigmoid(self.out(h))
        _rec(trace, "out", h)
        return h


class MinibatchStd(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018) over consecutive groups of `group`
    samples (the last one smaller): per group, sqrt(biased variance over the group + 1e-8) of
    every feature, averaged over the features, appended as one constant channel
    (src/nn/mbstd.c).  No parameters."""

    def __init__(self, group):
        super().__init__()
        self.group = group

    def forward(self, x):
        N, _, H, W = x.shape
        extra = []
        for n0 in range(0, N, self.group):
            g = x[n0:n0 + self.group]
            sd = torch.sqrt(((g - g.mean(0, keepdim=True)) ** 2).mean(0) + 1e-8).mean()
            extra.append(sd.reshape(1, 1, 1, 1).expand(g.shape[0], 1, H, W))
        return torch.cat([x, torch.cat(extra)], dim=1)


class FaceDiscriminator(nn.Module):
    """4 x [spectral_norm(Conv2d(k4 s2 p1)) -> LeakyReLU(0.2)] (d, 2d, 4d, 8d; 64 -> 4) ->
    [face2: MinibatchStd(4), 8d+1 channels] -> Flatten -> spectral_norm(Linear(8d*16 (+16), 1))
    -> the logit;  d = 64 * width.  grow=True (--arch face128): one more such conv, conv0
    (3 -> d/2, 128 -> 64), in front."""

    def __init__(self, width=1.0, mbstd_group=0, grow=False):
        super().__init__()
        sn = nn.utils.spectral_norm
        ch = [3] + [scaled(c, width) for c in (64, 128, 256, 512)]
        self.grow = grow
        if grow:
            self.conv0 = sn(nn.Conv2d(3, scaled(32, width), 4, 2, 1))
            ch[0] = scaled(32, width)
        for i in range(1, 5):
            setattr(self, f"conv{i}", sn(nn.Conv2d(ch[i - 1], ch[i], 4, 2, 1)))
        self.mbstd = MinibatchStd(mbstd_group) if mbstd_group else None
        self.fc = sn(nn.Linear((ch[4] + (1 if mbstd_group else 0)) * 16, 1))

    def forward(self, x, trace=None):
        h = x
        for i in range(0 if self.grow else 1, 5):
            h = F.leaky_relu(getattr(self, f"conv{i}")(h), SLOPE)
            _rec(trace, f"conv{i}", h)
        if self.mbstd is not None:
            h = self.mbstd(h)
            _rec(trace, "mbstd", h)
        h = self.fc(torch.flatten(h, 1))
        _rec(trace, "fc", h)  # the logit
        return h


class FaceGAN(nn.Module):
    """state_dict() keys G.*, D.* (spectral-norm layers: weight_orig, weight_u, weight_v) and,
    with ema=True, G_ema.* (the EMA generator of a training checkpoint).  A generator-only file
    (facecrypt export) loads into FaceGenerator directly (its G.* are the EMA weights)."""

    def __init__(self, width=1.0, ema=True, mbstd_group=0, grow=False):
        super().__init__()
        self.G = FaceGenerator(width, grow)
        self.D = FaceDiscriminator(width, mbstd_group, grow)
        if ema:
            import copy
            self.G_ema = copy.deepcopy(self.G)
