"""ACTS (``pyacts``, import name ``acts``) as a peer of ``dr.fit_helices``: the same tracks fitted by
ACTS's Kalman fitter (KF) and its global chi2 fitter (GX2F) through the ACTS examples framework.

What is compared
----------------
- Tracks: the darkrecon bench sample (``tt.generate_tracks``: pT 0.3-3 GeV log-uniform, 35-125 deg,
  d0 ~ N(0, 0.5 cm), z0 ~ N(0, 2 cm), random charge, 1.5 T; ``tt.simulate_hits``: one hit per
  crossed layer, 130 um), pions, no material, no scattering; ``ConstantBField(0, 0, 1.5 T)``.
- Geometry (ACTS Gen3 ``Blueprint``): an empty inner volume around the beam line and one
  cylindrical layer volume per CDC sense layer (``tt.toy_cdc_wires``), holding either
  * ``surfaces="straw"``: one straw (line) surface per sense wire (14 336), straight between the
    endplate holes, tube radius 0.55 cell pitches, found through a phi-binned surface array
    (``SurfaceArrayNavigationPolicy``, one cell per bin). The layer volumes are shrunk with a
    negative envelope because the straw tubes of neighbouring stereo layers overlap in r. Or
  * ``surfaces="cylinder"``: one cylinder per layer at the layer radius over the whole CDC length.
- Measurements:
  * straws (:func:`straw_measurements`): darkrecon's own hits, the 1D drift radius on the hit
    wire's straw, ``loc0 = sign(true DOCA) * drift`` with darkrecon's drift distance and sigma:
    the SAME hits, with the true left/right side (ACTS's example fitters do not resolve
    left/right ambiguities; darkrecon's seeded fit takes left/right from the seed, its
    self-seeded fit solves them);
  * cylinders (:func:`cylinder_measurements`): the crossing of the true helix with the hit layer's
    cylinder, smeared: r*phi (sigma) on axial layers, r*phi and z (sigma / sin(stereo angle)) on
    stereo layers, uncorrelated (the Python binding takes variances only). Same tracks and layers,
    NOT the same hits, and more information per stereo hit than one drift distance.
- Start parameters: the truth perigee parameters (as darkrecon's "seeded" fit), through
  ``ParticleTrackParamExtractor`` and ``TrackParameterSmearing`` with zero smearing and a wide
  prior (10 cm, 10 cm, 0.1 rad, 0.1 rad, 50 % in q/p, 1 ns) that adds no real information.
- Fitters: ``makeKalmanFitterFunction`` (forward filter + smoother, no chi2 cut, no material
  effects) and ``makeGlobalChiSquareFitterFunction`` (at most 5 iterations, relative chi2 change
  1e-7), both with the pass-through calibrator, in ``TrackFittingAlgorithm`` with the perigee at
  the origin as the reference surface. The KF extrapolates its result to that perigee
  (ACTS d0 = -darkrecon d0); GX2F reports its result on the start parameters' surface (here the
  perigee line through each track's true perigee point).

What is timed
-------------
One call of ``TrackFittingAlgorithm.internalExecute`` on a whiteboard holding all tracks of the
sample as one event: the examples framework's C++ loop over the tracks, one thread, no Python per
track, no FPE monitoring (no ``Sequencer``). It includes the navigation through the geometry, the
fits, the extrapolation to the reference surface and filling the output track container. The
geometry, the measurement / proto-track / particle containers (built in Python) and the start
parameters are made before the timer starts; each timed round gets a fresh whiteboard.

Pitfalls of the 48.1.0 Python API met here (see the inline comments): ``Transform3(translation,
rotation)`` gives non-finite transforms; ``MeasurementContainer.emplaceMeasurement`` takes
variances, not a covariance; a container written through a ``WriteDataHandle`` is disowned (one
write per object); ``BoundMatrix`` has no NumPy conversion (index it); there is no Python binding
of a track-parameters container (start parameters have to come from particles through
``ParticleTrackParamExtractor``, which puts all particles of one vertex on one perigee surface at
the first particle's position: one vertex per track); ``nDoF`` counts measured dimensions without
subtracting the 5 fitted parameters; building the surface arrays of 14 336 straws takes about a
minute; on cylinders the KF fails for the tracks whose hits straddle phi = +-pi (the r*phi seam of
the cylinder's local frame; 10 of 3000 tracks here, all of them such tracks).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from darkrecon.tracking import testing as tt

# ACTS internal units: mm, GeV, ns; magnetic field in GeV/(e mm).
_MM_PER_CM = 10.0


def available() -> bool:
    """True when ``acts`` (``pip install darkrecon[acts]``) and its examples framework import."""
    try:
        import acts  # noqa: F401
        import acts.examples  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class ActsSample:
    """Measurements of one track sample, ready for ACTS: per track the rows of its hits."""

    surface: np.ndarray  # (H,) index of the measurement's surface in ``ActsCdc.geo_ids``
    dims: np.ndarray  # (H,) 1: loc0 measured, 2: loc0 and loc1
    loc: np.ndarray  # (H, 2) measured local coordinates [mm]
    var: np.ndarray  # (H, 2) their variances [mm^2] (no correlations: the binding takes none)
    offsets: np.ndarray  # (T + 1,)
    params: np.ndarray  # (T, 5) true perigee parameters (darkrecon convention, cm)


def straw_measurements(hits: tt.SimulatedHits) -> ActsSample:
    """darkrecon's own hits as ACTS straw measurements: on the straw of the hit wire,
    ``loc0 = sign(true DOCA) * drift`` (the measured drift distance with the true left/right
    side; ACTS's line-surface sign convention is that of ``tt.wire_doca``) and sigma."""
    h = len(hits.drift)
    loc = np.zeros((h, 2))
    loc[:, 0] = np.where(hits.true_doca < 0.0, -1.0, 1.0) * hits.drift * _MM_PER_CM
    var = np.zeros((h, 2))
    var[:, 0] = (hits.sigma * _MM_PER_CM) ** 2
    return ActsSample(hits.wire.copy(), np.ones(h, dtype=np.int64), loc, var, hits.offsets,
                      hits.params)


def cylinder_measurements(hits: tt.SimulatedHits, wires: tt.WireSet, rng: np.random.Generator,
                          z_center_cm: float) -> ActsSample:
    """Smeared crossings of the true helix with the cylinder of each hit's layer (one per hit,
    same layers): axial layers measure r*phi (1D), stereo layers r*phi and z (2D, see below)."""
    layer = wires.layer[hits.wire]
    track = np.repeat(np.arange(len(hits.offsets) - 1), np.diff(hits.offsets))
    params = hits.params[track]
    radius = wires.radius[layer]
    s = tt._layer_crossing(params, radius)
    pos = tt.helix_position(params, s)
    phi = np.arctan2(pos[:, 1], pos[:, 0])
    loc_true = np.stack([radius * phi, pos[:, 2] - z_center_cm], axis=1) * _MM_PER_CM
    # Stereo angle beta of the wire in the cylinder's (r*phi, z) tangent plane: a drift distance
    # measures cos(beta) r*phi - sin(beta) z with sigma, i.e. z to sigma / sin(beta) once r*phi is
    # known. The Python binding takes no correlations, so stereo hits become independent
    # (r*phi: sigma, z: sigma / |sin(beta)|) pairs: more information than one drift distance.
    beta = np.arctan2(radius * wires.shift_angle[layer],
                      wires.z_forward[layer] - wires.z_backward[layer])
    sigma = hits.sigma * _MM_PER_CM
    axial = wires.shift_angle[layer] == 0.0
    sigma_z = np.where(axial, np.inf, sigma / np.maximum(np.abs(np.sin(beta)), 1e-12))
    noise = rng.normal(0.0, 1.0, (len(sigma), 2)) * np.stack([sigma, np.where(axial, 0, sigma_z)], 1)
    loc = loc_true + noise
    var = np.stack([sigma**2, sigma_z**2], axis=1)
    if not np.all(np.isfinite(loc)):
        raise RuntimeError("a hit layer is not crossed by its true helix")
    return ActsSample(layer, np.where(axial, 1, 2), loc, np.where(np.isfinite(var), var, 0.0),
                      hits.offsets, hits.params)


class ActsCdc:
    """The CDC-like tracking geometry, the 1.5 T field and the two fitter functions.

    ``surfaces="straw"``: one straw (line) surface per sense wire (14 336), straight between the
    endplate holes, radius 0.55 cell pitches, found by a phi-binned surface array per layer.
    ``surfaces="cylinder"``: one cylinder per layer at the layer radius over the whole CDC length.
    """

    def __init__(self, wires: tt.WireSet, bfield: float = 1.5, surfaces: str = "straw"):
        import acts
        import acts.examples

        if surfaces not in ("straw", "cylinder"):
            raise ValueError(f"surfaces must be 'straw' or 'cylinder', not {surfaces!r}")
        self.acts = acts
        self.kind = surfaces
        u = acts.UnitConstants
        self.bfield = bfield
        self.gctx = acts.GeometryContext.dangerouslyDefaultConstruct()
        z_lo, z_hi = float(wires.z_backward.min()), float(wires.z_forward.max())
        self.z_center_cm = 0.5 * (z_lo + z_hi)
        half_z = 0.5 * (z_hi - z_lo) * _MM_PER_CM + 1.0
        center = acts.Transform3(acts.Vector3(0.0, 0.0, self.z_center_cm * _MM_PER_CM))

        root = acts.Blueprint(envelope=acts.ExtentEnvelope(r=[0.0, 10.0], z=[10.0, 10.0]))
        cdc = root.addCylinderContainer("CDC", acts.AxisDirection.AxisR)
        cdc.attachmentStrategy = acts.VolumeAttachmentStrategy.Gap
        cdc.resizeStrategies = (acts.VolumeResizeStrategy.Gap, acts.VolumeResizeStrategy.Gap)
        r_inner = float(wires.radius[0]) * _MM_PER_CM - 8.0  # below the first layer volume
        cdc.addStaticVolume(center, acts.CylinderVolumeBounds(0.0, r_inner, half_z), "Inner")
        # radial range of the wires of each layer (stereo chords come closest at mid length)
        wire_lo = wires.radius * np.cos(0.5 * wires.shift_angle)
        middle = 0.5 * (wires.radius[:-1] + wire_lo[1:])
        bound_lo = np.concatenate([[wire_lo[0] - 0.5], middle]) + 0.01
        bound_hi = np.concatenate([middle, [wires.radius[-1] + 0.5]]) - 0.01
        self.surfaces = []
        self._layers = []  # keep the node handles (the wheel's children getter is unusable)
        for i, r_cm in enumerate(wires.radius):
            layer = cdc.addLayer(f"Layer{i}")
            layer.layerType = acts.LayerBlueprintNode.LayerType.Cylinder
            if surfaces == "cylinder":
                layer_surfaces = [acts.Surface.createCylinder(
                    center, acts.CylinderBounds(float(r_cm) * _MM_PER_CM, half_z))]
                layer.envelope = acts.ExtentEnvelope(r=[2.0, 2.0], z=[0.5, 0.5])
            else:
                layer_surfaces = self._straws(wires, i)
                # Straw tubes of neighbouring stereo layers overlap in r (sag of the stereo chord
                # plus two half pitches exceed the layer spacing): shrink each layer volume with a
                # negative envelope to halfway between the wire radii of adjacent layers.
                proto = acts.ProtoLayer(self.gctx, layer_surfaces)
                r_min = proto.min(acts.AxisDirection.AxisR, False)
                r_max = proto.max(acts.AxisDirection.AxisR, False)
                layer.envelope = acts.ExtentEnvelope(
                    r=[r_min - bound_lo[i] * _MM_PER_CM, bound_hi[i] * _MM_PER_CM - r_max],
                    z=[0.5, 0.5],
                )
                portals = acts.TryAllNavigationPolicy.Config()
                portals.sensitives = False
                array = acts.SurfaceArrayNavigationPolicy.Config()
                array.layerType = acts.SurfaceArrayNavigationPolicy.LayerType.Cylinder
                array.bins = (int(wires.n_cells[i]), 1)  # one cell per phi bin
                layer.navigationPolicyFactory = (
                    acts.NavigationPolicyFactory.make()
                    .add(acts.TryAllNavigationPolicy, portals)
                    .add(acts.SurfaceArrayNavigationPolicy, array)
                )
            for surface in layer_surfaces:
                surface.assignIsSensitive(True)
            layer.surfaces = layer_surfaces
            self.surfaces.extend(layer_surfaces)
            self._layers.append(layer)
        self.geometry = root.construct(
            options=acts.BlueprintOptions(), gctx=self.gctx, level=acts.logging.WARNING
        )
        self.geo_ids = [s.geometryId for s in self.surfaces]
        self.field = acts.ConstantBField(acts.Vector3(0.0, 0.0, bfield * u.T))
        self.perigee = acts.Surface.createPerigee(acts.Vector3(0.0, 0.0, 0.0))
        level = acts.logging.WARNING
        corr = acts.examples.FreeToBoundCorrection(False)
        self.fitters = {
            "KF": acts.examples.makeKalmanFitterFunction(
                self.geometry, self.field, False, False, 0.0, 1.0, corr, math.inf, False, level
            ),
            "GX2F": acts.examples.makeGlobalChiSquareFitterFunction(
                self.geometry, self.field, False, False, corr, 5, 1e-7, level
            ),
        }

    def _straws(self, wires: tt.WireSet, layer: int) -> list:
        acts = self.acts
        lo, hi = int(wires.layer_start[layer]), int(wires.layer_start[layer + 1])
        pitch = 2.0 * math.pi * float(wires.radius[layer]) / int(wires.n_cells[layer])
        bounds = acts.LineBounds(0.55 * pitch * _MM_PER_CM, 0.5 * float(wires.length[lo]) * _MM_PER_CM)
        out = []
        z_axis, y_axis = acts.Vector3(0.0, 0.0, 1.0), acts.Vector3(0.0, 1.0, 0.0)
        for w in range(lo, hi):
            mid = (wires.point[w] + 0.5 * wires.length[w] * wires.direction[w]) * _MM_PER_CM
            d = wires.direction[w]
            # Transform3(translation, rotation) gives non-finite transforms in this wheel:
            # compose a translation with two angle-axis rotations instead (local z = wire).
            transform = (
                acts.Transform3(acts.Vector3(*mid.tolist()))
                * acts.AngleAxis3(math.atan2(d[1], d[0]), z_axis)
                * acts.AngleAxis3(math.acos(min(1.0, d[2])), y_axis)
            )
            out.append(acts.Surface.createStraw(transform, bounds))
        return out

    # -- event content -------------------------------------------------------------------------
    def _input_algorithm(self, sample: ActsSample):
        """A Python algorithm that puts the measurements, proto tracks and truth particles of
        ``sample`` on the whiteboard (built once, before any timing)."""
        acts = self.acts
        ex = acts.examples
        from acts import ActsFatrasPythonBindings as fatras

        if len(sample.params) > 65535:  # the barcode's vertex field is 16 bits
            raise ValueError("at most 65535 tracks per ACTS event (one vertex per track)")

        def containers():
            # Writing to the whiteboard disowns the Python object: new containers every event.
            measurements = ex.MeasurementContainer()
            measurements.reserve(len(sample.surface))
            for h in range(len(sample.surface)):
                gid = self.geo_ids[int(sample.surface[h])]
                k = int(sample.dims[h])
                measurements.emplaceMeasurement(gid, [0, 1][:k], sample.loc[h, :k].tolist(),
                                                sample.var[h, :k].tolist())
            protos = ex.ProtoTrackContainer()
            for t in range(len(sample.offsets) - 1):
                protos.append(ex.ProtoTrack(range(int(sample.offsets[t]), int(sample.offsets[t + 1]))))

            particles = ex.SimParticleContainer()
            mass = 0.13957039
            for t, (d0, phi0, omega, z0, tl) in enumerate(sample.params):
                barcode = fatras.Barcode()
                barcode.vertexPrimary = t + 1  # one vertex (perigee surface) per track
                barcode.particle = 1
                q = 1.0 if omega > 0 else -1.0
                pdg = acts.PdgParticle.ePionPlus if q > 0 else acts.PdgParticle.ePionMinus
                p = ex.SimParticle(barcode, pdg, q, mass)
                pt = tt.CURVATURE_CONSTANT * self.bfield / abs(omega)
                x, y = d0 * math.sin(phi0), -d0 * math.cos(phi0)
                p.fourPosition = acts.Vector4(x * _MM_PER_CM, y * _MM_PER_CM, z0 * _MM_PER_CM, 0.0)
                norm = math.sqrt(1.0 + tl * tl)
                p.direction = acts.Vector3(math.cos(phi0) / norm, math.sin(phi0) / norm, tl / norm)
                p.absoluteMomentum = pt * norm
                particles.insert(p)
            return measurements, protos, particles

        class Input(ex.IAlgorithm):
            def __init__(self):
                ex.IAlgorithm.__init__(self, "DarkreconInput", acts.logging.WARNING)
                self.out_m = ex.WriteDataHandle(self, ex.MeasurementContainer, "Measurements")
                self.out_m.initialize("measurements")
                self.out_p = ex.WriteDataHandle(self, ex.ProtoTrackContainer, "ProtoTracks")
                self.out_p.initialize("prototracks")
                self.out_s = ex.WriteDataHandle(self, ex.SimParticleContainer, "Particles")
                self.out_s.initialize("particles")

            def execute(self, context):
                measurements, protos, particles = containers()
                self.out_m(context, measurements)
                self.out_p(context, protos)
                self.out_s(context, particles)
                return ex.ProcessCode.SUCCESS

        return Input()

    def _start_algorithms(self):
        acts = self.acts
        ex = acts.examples
        level = acts.logging.WARNING
        cfg = ex.ParticleTrackParamExtractor.Config()
        cfg.inputParticles = "particles"
        cfg.outputTrackParameters = "truth_parameters"
        extract = ex.ParticleTrackParamExtractor(cfg, level)
        cfg = ex.TrackParameterSmearing.Config()
        cfg.inputTrackParameters = "truth_parameters"
        cfg.outputTrackParameters = "start_parameters"
        cfg.randomNumbers = ex.RandomNumbers(seed=1)
        for name in ("sigmaLoc0", "sigmaLoc0PtA", "sigmaLoc1", "sigmaLoc1PtA", "sigmaPhi",
                     "sigmaTheta", "sigmaPtRel", "sigmaTime"):
            setattr(cfg, name, 0.0)
        u = acts.UnitConstants
        # wide prior around the truth: (loc0, loc1, phi, theta, q/p [unused], t)
        cfg.initialSigmas = [100 * u.mm, 100 * u.mm, 0.1, 0.1, 0.0, 1 * u.ns]
        cfg.initialSigmaPtRel = 0.5
        cfg.initialSigmaQoverPt = 0.0
        cfg.initialVarInflation = [1.0] * 6
        smear = ex.TrackParameterSmearing(cfg, level)
        return [extract, smear]

    def _fit_algorithm(self, fitter: str, output: str):
        ex = self.acts.examples
        cfg = ex.TrackFittingAlgorithm.Config()
        cfg.inputMeasurements = "measurements"
        cfg.inputProtoTracks = "prototracks"
        cfg.inputInitialTrackParameters = "start_parameters"
        cfg.outputTracks = output
        cfg.fit = self.fitters[fitter]
        cfg.calibrator = ex.makePassThroughCalibrator()
        cfg.referenceSurface = self.perigee
        cfg.pickTrack = -1
        return ex.TrackFittingAlgorithm(cfg, self.acts.logging.ERROR)

    def fit(self, sample: ActsSample, fitter: str, repeat: int = 3):
        """Fit ``sample`` with ``fitter`` ("KF" or "GX2F"): (best seconds of one batch call, fitted
        tracks as a dict of arrays)."""
        ex = self.acts.examples
        prep = [self._input_algorithm(sample), *self._start_algorithms()]
        fit = self._fit_algorithm(fitter, "tracks")
        best = math.inf
        board = None
        for _ in range(repeat):
            board = ex.WhiteBoard(self.acts.logging.WARNING)
            for i, alg in enumerate(prep):
                code = alg.internalExecute(ex.AlgorithmContext(i, 0, board, 0))
                if code != ex.ProcessCode.SUCCESS:
                    raise RuntimeError(f"{alg.name()} failed")
            ctx = ex.AlgorithmContext(len(prep), 0, board, 0)
            start = time.perf_counter()
            code = fit.internalExecute(ctx)
            best = min(best, time.perf_counter() - start)
            if code != ex.ProcessCode.SUCCESS:
                raise RuntimeError(f"ACTS {fitter} fit failed")
        return best, self._read_tracks(board, sample.offsets)

    def _read_tracks(self, board, offsets: np.ndarray) -> dict:
        n_tracks = len(offsets) - 1
        ex = self.acts.examples

        class Reader(ex.IAlgorithm):
            def __init__(self):
                ex.IAlgorithm.__init__(self, "Reader", self_level)
                self.h = ex.ReadDataHandle(self, ex.ConstTrackContainer, "Tracks")
                self.h.initialize("tracks")
                self.tracks = None

            def execute(self, context):
                self.tracks = self.h(context.eventStore)
                return ex.ProcessCode.SUCCESS

        self_level = self.acts.logging.WARNING
        reader = Reader()
        reader.internalExecute(ex.AlgorithmContext(99, 0, board, 0))
        tracks = reader.tracks
        out = {"params": np.full((n_tracks, 6), np.nan), "cov": np.full((n_tracks, 6, 6), np.nan),
               "chi2": np.full(n_tracks, np.nan), "ndf": np.zeros(n_tracks, dtype=np.int64),
               "n_meas": np.zeros(n_tracks, dtype=np.int64), "n_fitted": len(tracks)}
        for track in tracks:
            # Failed fits leave no track: find the proto track through a measurement's index.
            t = -1
            for state in track.trackStates:
                if state.hasUncalibratedSourceLink:
                    index = ex.IndexSourceLink.fromSourceLink(state.uncalibratedSourceLink).index()
                    t = int(np.searchsorted(offsets, index, side="right")) - 1
                    break
            if t < 0 or not track.hasReferenceSurface:
                continue
            par, cov = track.parameters, track.covariance
            out["params"][t] = [par[i] for i in range(6)]
            out["cov"][t] = [[cov[i, j] for j in range(6)] for i in range(6)]
            out["chi2"][t] = track.chi2
            out["ndf"][t] = track.nDoF
            out["n_meas"][t] = track.nMeasurements
        return out
