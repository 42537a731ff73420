"""Vectorised four-vector helpers, the collision frame and the event builder.

Every function acts on arrays with the four-vector (E, px, py, pz) or three-vector in the last
axis, one row per event: no Python loop runs over events (loops run over the few particle
slots of an event or over accept-reject rounds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from darkrecon.beam import Beam
from darkrecon.generators.constants import C_CM_PER_NS


# --------------------------------------------------------------------------- four-vectors
def dot4(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minkowski product (metric +---) over the last axis."""
    return a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1] - a[..., 2] * b[..., 2] - a[..., 3] * b[..., 3]


def mass2(p: np.ndarray) -> np.ndarray:
    return dot4(p, p)


def four(E: np.ndarray, p3: np.ndarray) -> np.ndarray:  # noqa: N803
    """Stack an energy (...) and a three-momentum (..., 3) into (..., 4)."""
    return np.concatenate([np.asarray(E)[..., None], p3], axis=-1)


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost four-vectors ``p`` (..., 4) by velocity ``beta`` (..., 3): a particle at rest
    ends up moving with ``beta``."""
    b2 = np.sum(beta * beta, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[..., 1:], axis=-1)
    coef = gamma * gamma / (1.0 + gamma) * bp + gamma * p[..., 0]
    out = np.empty(np.broadcast_shapes(p.shape, beta.shape[:-1] + (4,)))
    out[..., 0] = gamma * (p[..., 0] + bp)
    out[..., 1:] = p[..., 1:] + coef[..., None] * beta
    return out


def boost_from_rest(p: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Boost ``p`` given in the rest frame of ``parent`` to the frame where ``parent`` is given."""
    return boost(p, parent[..., 1:] / parent[..., :1])


def two_body_momentum(m: np.ndarray, m1, m2) -> np.ndarray:
    """Momentum of either daughter in the rest frame of a mass-``m`` parent."""
    m = np.asarray(m, dtype=np.float64)
    lam = (m * m - (m1 + m2) ** 2) * (m * m - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2.0 * m)


def direction(cos_theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    sin_theta = np.sqrt(np.maximum(1.0 - cos_theta * cos_theta, 0.0))
    return np.stack([sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta], axis=-1)


def two_body(m, m1, m2, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Daughter four-momenta in the parent rest frame, daughter 1 along ``unit`` (n, 3)."""
    p = two_body_momentum(m, m1, m2)
    p1 = p[..., None] * unit
    e1 = np.sqrt(p * p + np.asarray(m1) ** 2)
    e2 = np.sqrt(p * p + np.asarray(m2) ** 2)
    return four(e1, p1), four(e2, -p1)


def random_unit(n: int, rng: np.random.Generator) -> np.ndarray:
    return direction(rng.uniform(-1.0, 1.0, n), rng.uniform(0.0, 2.0 * np.pi, n))


def random_rotation(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 3, 3) rotation matrices uniform on SO(3) (normalised Gaussian quaternions)."""
    q = rng.standard_normal((n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def rotate(p: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Apply (n, 3, 3) rotations to the spatial part of four-vectors (n, 4) or (n, k, 4)."""
    out = p.copy()
    if p.ndim == 2:
        out[:, 1:] = np.einsum("nij,nj->ni", rot, p[:, 1:])
    else:
        out[..., 1:] = np.einsum("nij,nkj->nki", rot, p[..., 1:])
    return out


def frame_from_axis(axis: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations taking +z to the unit vectors ``axis`` (n, 3) (Rz(phi) Ry(theta))."""
    ct = np.clip(axis[:, 2], -1.0, 1.0)
    st = np.sqrt(np.maximum(1.0 - ct * ct, 0.0))
    phi = np.arctan2(axis[:, 1], axis[:, 0])
    cp, sp = np.cos(phi), np.sin(phi)
    zero = np.zeros_like(ct)
    return np.stack(
        [
            np.stack([cp * ct, -sp, cp * st], -1),
            np.stack([sp * ct, cp, sp * st], -1),
            np.stack([-st, zero, ct], -1),
        ],
        axis=-2,
    )


def accept_reject(
    n: int,
    rng: np.random.Generator,
    propose: Callable[[int], tuple[np.ndarray, ...]],
    ratio: Callable[..., np.ndarray],
    max_rounds: int = 200,
) -> tuple[np.ndarray, ...]:
    """Vectorised hit-or-miss: ``propose(m)`` returns arrays of m proposals, ``ratio(*arrays)``
    their acceptance probability in [0, 1]; returns n accepted proposals (in proposal order)."""
    if n == 0:
        return tuple(a[:0] for a in propose(1))
    chunks: list[tuple[np.ndarray, ...]] = []
    have = 0
    for _ in range(max_rounds):
        if have >= n:
            break
        m = max(2 * (n - have), 64)
        prop = propose(m)
        r = ratio(*prop)
        if np.any(r > 1.0 + 1e-9):
            raise RuntimeError(f"accept-reject ratio above 1 ({r.max():.4g}): bound too low")
        keep = rng.uniform(0.0, 1.0, m) < r
        chunks.append(tuple(a[keep] for a in prop))
        have += int(keep.sum())
    else:
        raise RuntimeError("accept-reject did not converge")
    return tuple(np.concatenate([c[i] for c in chunks])[:n] for i in range(len(chunks[0])))


def sample_one_over_one_minus_bc(rng: np.random.Generator, b: np.ndarray | float, n: int) -> np.ndarray:
    """cos(theta) in [-1, 1] with density proportional to 1 / (1 - b cos(theta)), 0 <= b < 1."""
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), (n,))
    u = rng.uniform(0.0, 1.0, n)
    small = b < 1e-8
    bs = np.where(small, 0.5, b)
    c = (1.0 - np.exp(u * np.log1p(-bs) + (1.0 - u) * np.log1p(bs))) / bs
    return np.where(small, 2.0 * u - 1.0, c)


def sample_collinear_cos(rng: np.random.Generator, b: float, n: int) -> np.ndarray:
    """cos(theta) with density proportional to 1 / (1 - b^2 cos^2(theta)) on [-1, 1]."""
    a = np.arctanh(b)
    return np.tanh(rng.uniform(-1.0, 1.0, n) * a) / b


# --------------------------------------------------------------------------- frames
class CollisionFrame:
    """Per-event collision frames: CMS energy, initial lab four-momentum, CMS -> lab.

    Without energy spread all events share ``beam.to_lab`` (the compiled transformation,
    crossing angle included). With it, each event gets its own e- and e+ energies from
    ``beam.sample_four_momenta`` and its own CMS (the same construction as
    ``Beam.to_cms_matrix``: boost to the rest frame, then a rotation about y that puts the
    e- along +z), so the CMS kinematics are generated at that event's sqrt(s).
    """

    def __init__(self, beam: Beam, n: int, rng: np.random.Generator, spread: bool):
        self.beam = beam
        self.n = n
        self.spread = bool(spread) and (beam.spread_her > 0 or beam.spread_ler > 0)
        if self.spread:
            p_her, p_ler = beam.sample_four_momenta(n, rng)
            total = p_her + p_ler
            self.initial = total
            self.sqrt_s = np.sqrt(mass2(total))
            beta = total[:, 1:] / total[:, :1]
            her = boost(p_her, -beta)
            angle = np.arctan2(her[:, 1], her[:, 3])
            c, s = np.cos(angle), np.sin(angle)
            # to_cms = R_y(angle) . B(-beta); to_lab = B(beta) . R_y(-angle)
            self._cos, self._sin, self._beta = c, s, beta
        else:
            self.initial = np.broadcast_to(beam.four_momentum, (n, 4)).copy()
            self.sqrt_s = np.full(n, beam.sqrt_s)

    def to_lab(self, p: np.ndarray) -> np.ndarray:
        """CMS four-vectors (n, k, 4) -> lab."""
        n, k = p.shape[:2]
        if not self.spread:
            flat = p.reshape(-1, 4)
            E, px, py, pz = self.beam.to_lab(*(np.ascontiguousarray(flat[:, i]) for i in range(4)))  # noqa: N806
            return np.stack([E, px, py, pz], axis=-1).reshape(n, k, 4)
        c, s = self._cos[:, None], self._sin[:, None]
        out = p.copy()
        # inverse rotation R_y(-angle): x' = c x + s z, z' = -s x + c z
        out[..., 1] = c * p[..., 1] + s * p[..., 3]
        out[..., 3] = -s * p[..., 1] + c * p[..., 3]
        return boost(out, self._beta[:, None, :])


# --------------------------------------------------------------------------- event builder
class EventBuilder:
    """Collects particle slots (one entry per event each, possibly masked off) in the CMS and
    turns them into flat lab-frame columns plus offsets.

    A slot's ``mother`` is the index of an earlier slot (scalar or per-event array) or -1.
    ``ctau`` (cm) is the proper decay length of a decaying (status 2) slot: its daughters are
    produced at its decay point, exponentially distributed along its flight direction.
    The primary vertex is the origin at t = 0.
    """

    def __init__(self, n: int, *, lab_frame: bool = False):
        self.n = n
        self.lab_frame = lab_frame  # four-momenta given in the lab already (no CMS -> lab)
        self.slots: list[dict] = []

    def add(self, pdg, p4: np.ndarray, *, mother=-1, status=1, mask=None, ctau=0.0,
            vertex=None, t=None) -> int:
        """Add a slot; ``vertex`` (n, 3) cm and ``t`` (n,) ns set the production point of a
        primary (mother -1) slot (default the origin at t = 0)."""
        n = self.n
        p4 = np.asarray(p4, dtype=np.float64)
        if p4.shape != (n, 4):
            raise ValueError(f"slot four-momenta must have shape ({n}, 4), got {p4.shape}")
        mother_arr = np.broadcast_to(np.asarray(mother, dtype=np.int64), (n,))
        if np.any(mother_arr >= len(self.slots)):
            raise ValueError("a mother slot must be added before its daughters")
        self.slots.append(
            dict(
                pdg=np.broadcast_to(np.asarray(pdg, dtype=np.int32), (n,)),
                p4=p4,
                mother=mother_arr,
                status=np.broadcast_to(np.asarray(status, dtype=np.int32), (n,)),
                mask=np.ones(n, dtype=bool)
                if mask is None
                else np.broadcast_to(np.asarray(mask, dtype=bool), (n,)),
                ctau=np.broadcast_to(np.asarray(ctau, dtype=np.float64), (n,)),
                vertex=None if vertex is None else np.broadcast_to(np.asarray(vertex, np.float64), (n, 3)),
                t=None if t is None else np.broadcast_to(np.asarray(t, np.float64), (n,)),
            )
        )
        return len(self.slots) - 1

    def build(
        self, frame: CollisionFrame, rng: np.random.Generator
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        n, k = self.n, len(self.slots)
        idx = np.arange(n)
        p_cms = np.stack([s["p4"] for s in self.slots], axis=1)
        p = p_cms if self.lab_frame else frame.to_lab(p_cms)
        mask = np.stack([s["mask"] for s in self.slots], axis=1)
        mother = np.stack([s["mother"] for s in self.slots], axis=1)
        # vertices and times, slot by slot (mothers come first); all at the origin when
        # nothing has a decay length
        vtx = np.zeros((n, k, 3))
        t0 = np.zeros((n, k))
        custom = any(s["vertex"] is not None or s["t"] is not None for s in self.slots)
        if custom or any(np.any(s["ctau"] > 0) for s in self.slots):
            end = np.zeros((n, k, 3))
            t_end = np.zeros((n, k))
            for j, s in enumerate(self.slots):
                m = s["mother"]
                has = m >= 0
                mj = np.where(has, m, 0)
                own_v = 0.0 if s["vertex"] is None else s["vertex"]
                own_t = 0.0 if s["t"] is None else s["t"]
                vtx[:, j] = np.where(has[:, None], end[idx, mj], own_v)
                t0[:, j] = np.where(has, t_end[idx, mj], own_t)
                ctau = s["ctau"]
                end[:, j] = vtx[:, j]
                t_end[:, j] = t0[:, j]
                if np.any(ctau > 0):
                    mass = np.sqrt(np.maximum(mass2(p[:, j]), 0.0))
                    length = ctau * rng.exponential(1.0, n)
                    ok = mass > 0
                    safe = np.where(ok, mass, 1.0)
                    end[:, j] += np.where(ok[:, None], p[:, j, 1:] / safe[:, None], 0.0) * length[:, None]
                    t_end[:, j] += np.where(ok, p[:, j, 0] / safe, 0.0) * length / C_CM_PER_NS
        # compaction: new index of each kept slot, mothers remapped
        new_index = np.cumsum(mask, axis=1) - 1
        mother_new = np.where(mother >= 0, np.take_along_axis(new_index, np.maximum(mother, 0), 1), -1)
        counts = mask.sum(axis=1).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        cols = {
            "pdg": np.stack([s["pdg"] for s in self.slots], 1)[mask],
            "E": p[..., 0][mask],
            "px": p[..., 1][mask],
            "py": p[..., 2][mask],
            "pz": p[..., 3][mask],
            "vx": vtx[..., 0][mask],
            "vy": vtx[..., 1][mask],
            "vz": vtx[..., 2][mask],
            "t": t0[mask],
            "mother": mother_new[mask].astype(np.int32),
            "status": np.stack([s["status"] for s in self.slots], 1)[mask],
        }
        return cols, offsets


def first_nonzero_proposals(n: int, propose, shapes, tries: int = 8, max_rounds: int = 500,
                            what: str = "generation"):
    """One proposal with non-zero weight for each of ``n`` slots.

    ``propose(slots)`` returns ``(*parts, weight)`` for the slot indices it is given (each slot
    repeated ``tries`` times per round); ``shapes`` are the per-slot shapes of the parts. Each
    slot keeps its first non-zero proposal, and the weights are divided by the number of
    proposals used up to each slot's first success, which keeps ``sum(weight)`` an unbiased
    estimate of the cross section within the cuts.
    """
    outs = [np.zeros((n, *shape)) for shape in shapes]
    weight = np.zeros(n)
    todo, n_prop = np.arange(n), 0
    for _ in range(max_rounds):
        if todo.size == 0:
            break
        *parts, wt = propose(np.repeat(todo, tries))
        ok = (wt > 0).reshape(todo.size, tries)
        has = ok.any(axis=1)
        first = np.argmax(ok, axis=1)
        n_prop += int(np.where(has, first + 1, tries).sum())
        pick = np.arange(todo.size)[has] * tries + first[has]
        slots = todo[has]
        for out, part in zip(outs, parts, strict=True):
            out[slots] = part[pick]
        weight[slots] = wt[pick]
        todo = todo[~has]
    else:
        raise RuntimeError(f"{what}: the cuts leave (almost) no phase space")
    return (*outs, weight / max(n_prop, 1))
