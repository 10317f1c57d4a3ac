"""Models of the InterUSS automated-testing flight_planning v1 interface.

Field names, enums and required members follow interuss/automated_testing_interfaces
``flight_planning/v1/flight_planning.yaml`` (with ``geotemporal.yaml``, ``telemetry.yaml``,
``astm_f3548v21.yaml`` and ``user_notification.yaml``). Unknown members are ignored, as the
interface requires.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fleet.service.schemas import utf8_text

API_NAME = "Flight Planning Automated Testing Interface"
API_VERSION = "v0.7.0"

FLIGHT_PLAN_ID_PATTERN = (
    r"^[0-9a-fA-F]{8}\-[0-9a-fA-F]{4}\-4[0-9a-fA-F]{3}\-[8-b][0-9a-fA-F]{3}\-[0-9a-fA-F]{12}$"
)
FlightPlanID = Annotated[str, Field(min_length=36, max_length=36, pattern=FLIGHT_PLAN_ID_PATTERN)]


class Lenient(BaseModel):
    """Members the interface does not declare are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utf8(cls, value: object) -> object:
        return utf8_text(value)


class Time(Lenient):
    """``geotemporal.yaml#Time``."""

    value: str
    format: Literal["RFC3339"]


class LatLngPoint(Lenient):
    """``geotemporal.yaml#LatLngPoint``."""

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class Radius(Lenient):
    """``geotemporal.yaml#Radius``."""

    value: float = Field(gt=0)
    units: Literal["M"]


class Altitude(Lenient):
    """``geotemporal.yaml#Altitude``."""

    value: float = Field(ge=-8000, le=100000)
    reference: Literal["W84", "SFC", "Takeoff"]
    units: Literal["M"]


class Polygon(Lenient):
    """``geotemporal.yaml#Polygon``."""

    vertices: list[LatLngPoint] = Field(min_length=3)


class Circle(Lenient):
    """``geotemporal.yaml#Circle``."""

    center: LatLngPoint | None = None
    radius: Radius | None = None


class Volume3D(Lenient):
    """``geotemporal.yaml#Volume3D``."""

    outline_circle: Circle | None = None
    outline_polygon: Polygon | None = None
    altitude_lower: Altitude | None = None
    altitude_upper: Altitude | None = None


class Volume4D(Lenient):
    """``geotemporal.yaml#Volume4D``."""

    volume: Volume3D
    time_start: Time | None = None
    time_end: Time | None = None


FunctionalState = Literal["Nominal", "OffNominal", "Contingent", "NotSpecified"]


class BasicFlightPlanInformation(Lenient):
    """``flight_planning.yaml#BasicFlightPlanInformation``."""

    usage_state: Literal["Planned", "InUse", "Closed"]
    uas_state: FunctionalState
    area: list[Volume4D] = Field(default_factory=list)


class ASTMF354821OpIntentInformation(Lenient):
    """``astm_f3548v21.yaml#ASTMF354821OpIntentInformation``."""

    priority: int = Field(default=0, ge=-2_147_483_648, le=2_147_483_647)


class FlightPlan(Lenient):
    """``flight_planning.yaml#FlightPlan``."""

    basic_information: BasicFlightPlanInformation
    astm_f3548_21: ASTMF354821OpIntentInformation | None = None
    additional_information: dict[str, Any] | None = None


ExecutionStyle = Literal["Hypothetical", "IfAllowed", "InReality"]
PlanningActivityResult = Literal["Completed", "Rejected", "Failed", "NotSupported"]
FlightPlanStatus = Literal["NotPlanned", "Planned", "OkToFly", "OffNominal", "Closed"]
AdvisoryInclusion = Literal["Unknown", "AtLeastOneAdvisoryOrCondition", "NoAdvisoriesOrConditions"]


class UpsertFlightPlanRequest(Lenient):
    """``flight_planning.yaml#UpsertFlightPlanRequest``."""

    flight_plan: FlightPlan
    execution_style: ExecutionStyle
    request_id: str


class UpsertFlightPlanResponse(BaseModel):
    """``flight_planning.yaml#UpsertFlightPlanResponse``."""

    planning_result: PlanningActivityResult
    notes: str | None = None
    flight_plan_status: FlightPlanStatus
    includes_advisories: AdvisoryInclusion = "Unknown"


class DeleteFlightPlanResponse(BaseModel):
    """``flight_planning.yaml#DeleteFlightPlanResponse``."""

    planning_result: PlanningActivityResult
    notes: str | None = None
    flight_plan_status: FlightPlanStatus
    includes_advisories: AdvisoryInclusion = "Unknown"


class StatusResponse(BaseModel):
    """``flight_planning.yaml#StatusResponse``."""

    status: Literal["Starting", "Ready"]
    api_name: str = API_NAME
    api_version: str = API_VERSION


class ClearAreaRequest(Lenient):
    """``flight_planning.yaml#ClearAreaRequest``."""

    request_id: str
    extent: Volume4D


class ClearAreaOutcome(BaseModel):
    """``flight_planning.yaml#ClearAreaOutcome``."""

    success: bool = False
    message: str | None = None
    details: dict[str, Any] | None = None


class ClearAreaResponse(BaseModel):
    """``flight_planning.yaml#ClearAreaResponse``."""

    outcome: ClearAreaOutcome


class UserNotificationOut(BaseModel):
    """``user_notification.yaml#UserNotification``: what the virtual user was shown, and when."""

    observed_at: Time
    conflicts: Literal["Single", "Multiple", "None", "Unknown"] = "Single"
    message: str | None = None


class QueryUserNotificationsResponse(BaseModel):
    """``flight_planning.yaml#QueryUserNotificationsResponse``."""

    user_notifications: list[UserNotificationOut]


class Volume3DRequired(Volume3D):
    """A ``Volume3D`` with both altitude bounds given (skyfleet needs them to deconflict)."""

    altitude_lower: Altitude
    altitude_upper: Altitude


class Volume4DRequired(Volume4D):
    """A ``Volume4D`` with its altitude bounds and time window given."""

    volume: Volume3DRequired
    time_start: Time
    time_end: Time
