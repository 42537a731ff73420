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
# --- geometry (register_geometry.cpp) ---------------------------------------------------
I32 = npt.NDArray[np.int32]

class CDCGeometry:
    def __init__(
        self, superlayer: ArrayLike, radius: ArrayLike, z_backward: ArrayLike, z_forward: ArrayLike,
        n_holes: ArrayLike, n_shift: ArrayLike, phi_offset: ArrayLike,
    ) -> None: ...
    n_layers: int
    n_wires: int
    r_min: float
    r_max: float
    def n_cells(self, layer: int) -> int: ...
    def first_wire(self, layer: int) -> int: ...
    def cell_width(self, layer: int) -> float: ...
    def cell_height(self, layer: int) -> float: ...
    def stereo_angle(self, layer: int) -> float: ...
    def wire_radius(self, layer: int, z: float) -> float: ...
    def inner_boundary(self, layer: int, z: float) -> float: ...
    def outer_boundary(self, layer: int, z: float) -> float: ...
    def wire_position(self, layer: ArrayLike, wire: ArrayLike, z: ArrayLike) -> F64: ...
    def wire_backward(self, layer: ArrayLike, wire: ArrayLike) -> F64: ...
    def wire_forward(self, layer: ArrayLike, wire: ArrayLike) -> F64: ...
    def wire_direction(self, layer: ArrayLike, wire: ArrayLike) -> F64: ...
    def cell_at(self, points: ArrayLike) -> tuple[I32, I32]: ...
    def neighbours(self, layer: int, wire: int, z: float = 0.0) -> list[tuple[int, int]]: ...

class ECLGeometry:
    def __init__(
        self, part: ArrayLike, n_phi: ArrayLike, theta_center: ArrayLike, barrel_radius: float = 125.0,
        forward_z: float = 196.0, backward_z: float = -102.0, crystal_length: float = 30.0,
    ) -> None: ...
    n_cells: int
    n_rings: int
    crystal_length: float
    def theta_bounds(self) -> F64: ...
    def cell_id(self, theta_id: ArrayLike, phi_id: ArrayLike) -> I32: ...
    def ids(self, cell_id: ArrayLike) -> tuple[I32, I32, I32]: ...
    def front_center(self, cell_id: ArrayLike) -> F64: ...
    def axis(self, cell_id: ArrayLike) -> F64: ...
    def cell_at(self, theta: ArrayLike, phi: ArrayLike) -> I32: ...
    def front_distance(self, theta: float) -> float: ...
    def neighbour_map(self, half_width: int) -> I32: ...

class KLMGeometry:
    def __init__(self) -> None: ...
    iron_thickness: float
    cryostat_iron: float
    coil_aluminium: float
    detector_glass: float
    barrel_z_range: tuple[float, float]
    def layer_positions(self, section: int) -> F64: ...

def tracker_material() -> list[dict[str, Any]]: ...
def material(name: str) -> dict[str, Any]: ...

# --- fast simulation (register_simulation.cpp) ----------------------------------------
def simulate(
    cdc: CDCGeometry, ecl: ECLGeometry, klm: KLMGeometry, pdg: ArrayLike, status: ArrayLike,
    E: ArrayLike, px: ArrayLike, py: ArrayLike, pz: ArrayLike, vx: ArrayLike, vy: ArrayLike,
    vz: ArrayLike, t: ArrayLike, offsets: ArrayLike, seed: int = 0, n_threads: int = 0,
    options: dict[str, Any] = ...,
) -> dict[str, npt.NDArray[Any]]: ...
def mean_energy_loss(
    material: str, beta_gamma: ArrayLike, mass: float, charge: float = 1.0
) -> F64: ...
def cdc_hit_sigma(
    cdc: CDCGeometry, layer: ArrayLike, drift: ArrayLike, options: dict[str, Any] = ...
) -> F64: ...
def __getattr__(name: str) -> Any: ...  # kernels of later stages
def thrust(
    E: ArrayLike, px: ArrayLike, py: ArrayLike, pz: ArrayLike, offsets: ArrayLike, n_threads: int = 0
) -> tuple[F64, F64]: ...

# ECL reconstruction (register_ecl.cpp)
class ECLEnergySum:
    all: ECLEnergySum
    n21: ECLEnergySum
    n9: ECLEnergySum

class ECLClusterFinderOptions:
    seed_threshold: float
    growth_threshold: float
    digit_threshold: float
    max_abs_time: float
    max_time_pull: float
    time_sigma_a: float
    time_sigma_b: float
    local_max_threshold: float
    moliere_radius: float
    profile_core_fraction: float
    profile_core_scale: float
    profile_tail_scale: float
    radiation_length: float
    critical_energy: float
    max_iterations: int
    shift_tolerance: float
    min_weight: float
    two_shower_rms: float
    two_shower_min_energy: float
    two_shower_min_separation: float
    two_shower_region_energy: float
    log_weight_w0: float
    energy_sum: ECLEnergySum
    leakage_c0: float
    leakage_c1: float
    leakage_c2: float
    min_cluster_energy: float
    sigma_e_a: float
    sigma_e_b: float
    sigma_e_c: float
    sigma_angle_a: float
    sigma_angle_c: float
    def __init__(self) -> None: ...

class ECLClusterFinder:
    def __init__(self, geometry: ECLGeometry) -> None: ...
    def n20(self, cell_id: int) -> list[int]: ...
    def find(
        self,
        cell_id: ArrayLike,
        energy: ArrayLike,
        time: ArrayLike,
        offsets: ArrayLike,
        options: ECLClusterFinderOptions,
        n_threads: int = 0,
    ) -> dict[str, np.ndarray]: ...

def extrapolate_to_ecl(
    params: ArrayLike, barrel_radius: float = 125.0, forward_z: float = 196.0, backward_z: float = -102.0
) -> dict[str, np.ndarray]: ...
def match_tracks_to_clusters(
    params: ArrayLike,
    track_offsets: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    cluster_offsets: ArrayLike,
    depth: float = 10.0,
    max_distance: float = 15.0,
    barrel_radius: float = 125.0,
    forward_z: float = 196.0,
    backward_z: float = -102.0,
    n_threads: int = 0,
) -> dict[str, np.ndarray]: ...
