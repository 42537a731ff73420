"""Type stubs of the compiled core. Arrays are validated and converted by the core:
real-valued inputs become C-contiguous float64, offsets int64; non-finite values are refused."""

from typing import Any

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
F64 = npt.NDArray[np.float64]

def sum_four_momenta(
    E: ArrayLike, px: ArrayLike, py: ArrayLike, pz: ArrayLike, offsets: ArrayLike, n_threads: int = 0
) -> F64: ...
def invariant_mass(
    E: ArrayLike,
    px: ArrayLike,
    py: ArrayLike,
    pz: ArrayLike,
    offsets: ArrayLike,
    squared: bool = False,
    n_threads: int = 0,
) -> F64: ...
def recoil_mass(
    E: ArrayLike,
    px: ArrayLike,
    py: ArrayLike,
    pz: ArrayLike,
    offsets: ArrayLike,
    beam: ArrayLike,
    squared: bool = False,
    n_threads: int = 0,
) -> F64: ...
def recoil(
    E: ArrayLike,
    px: ArrayLike,
    py: ArrayLike,
    pz: ArrayLike,
    offsets: ArrayLike,
    beam: ArrayLike,
    to_cms: ArrayLike,
    n_threads: int = 0,
) -> dict[str, F64]: ...
def transform_rows(
    E: ArrayLike, px: ArrayLike, py: ArrayLike, pz: ArrayLike, matrix: ArrayLike, n_threads: int = 0
) -> tuple[F64, F64, F64, F64]: ...
def __getattr__(name: str) -> Any: ...  # kernels of later stages
def thrust(
    E: ArrayLike, px: ArrayLike, py: ArrayLike, pz: ArrayLike, offsets: ArrayLike, n_threads: int = 0
) -> tuple[F64, F64]: ...
