"""Camera sensor model and the photogrammetry relations derived from it.

The image is taken in landscape orientation: its width spans across the flight track and its
height along it (the QGroundControl convention).
"""

from __future__ import annotations

from dataclasses import dataclass

from fleet.model._checks import non_negative, positive


@dataclass(frozen=True, slots=True)
class CameraModel:
    """A frame camera: sensor size, focal length, image size and fastest trigger rate."""

    sensor_width_mm: float
    sensor_height_mm: float
    focal_length_mm: float
    image_width_px: int
    image_height_px: int
    min_trigger_interval_s: float = 1.0
    name: str = "camera"

    def __post_init__(self) -> None:
        where = f"camera {self.name!r}"
        positive(self.sensor_width_mm, where, "sensor_width_mm")
        positive(self.sensor_height_mm, where, "sensor_height_mm")
        positive(self.focal_length_mm, where, "focal_length_mm")
        positive(self.image_width_px, where, "image_width_px")
        positive(self.image_height_px, where, "image_height_px")
        non_negative(self.min_trigger_interval_s, where, "min_trigger_interval_s")

    def same_sensor(self, other: CameraModel) -> bool:
        """True when ``other`` has this sensor, lens and image size (name and rate aside).

        >>> CameraModel(13.2, 8.8, 8.8, 5472, 3648, name="a").same_sensor(
        ...     CameraModel(13.2, 8.8, 8.8, 5472, 3648, name="b"))
        True
        """
        return (
            self.sensor_width_mm,
            self.sensor_height_mm,
            self.focal_length_mm,
            self.image_width_px,
            self.image_height_px,
        ) == (
            other.sensor_width_mm,
            other.sensor_height_mm,
            other.focal_length_mm,
            other.image_width_px,
            other.image_height_px,
        )

    def distance_for_gsd_m(self, gsd_cm_per_px: float) -> float:
        """Camera-to-subject distance giving ``gsd_cm_per_px``.

        ``distance = gsd * focal * image_width / sensor_width``.

        >>> cam = CameraModel(13.2, 8.8, 8.8, 5472, 3648)
        >>> round(cam.distance_for_gsd_m(2.0), 2)
        72.96
        """
        positive(gsd_cm_per_px, f"camera {self.name!r}", "gsd_cm_per_px")
        gsd_m = gsd_cm_per_px / 100.0
        return gsd_m * self.focal_length_mm * self.image_width_px / self.sensor_width_mm

    def gsd_cm_per_px(self, distance_m: float) -> float:
        """Ground sampling distance at ``distance_m`` (inverse of :meth:`distance_for_gsd_m`)."""
        positive(distance_m, f"camera {self.name!r}", "distance_m")
        return (
            100.0 * distance_m * self.sensor_width_mm / (self.focal_length_mm * self.image_width_px)
        )

    def footprint_m(self, distance_m: float) -> tuple[float, float]:
        """Image footprint ``(across_track_m, along_track_m)`` at ``distance_m``.

        >>> CameraModel(10.0, 5.0, 10.0, 1000, 500).footprint_m(100.0)
        (100.0, 50.0)
        """
        positive(distance_m, f"camera {self.name!r}", "distance_m")
        across = distance_m * self.sensor_width_mm / self.focal_length_mm
        along = distance_m * self.sensor_height_mm / self.focal_length_mm
        return across, along
