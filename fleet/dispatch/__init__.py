"""The service's dispatcher: what is booked is scheduled, and each sortie booked when its
vehicles are really back.

Modules:

- :mod:`~fleet.dispatch.schedule`: the fleet scheduler over the booked missions (one problem per
  dock, transfer points for relays, a rolling horizon), its plan cut into sorties;
- :mod:`~fleet.dispatch.legs`: a sortie's legs planned around the zones and fixed against the
  live intents, timed as the service's approval times them;
- :mod:`~fleet.dispatch.pads`: where a vehicle takes off and lands at its dock;
- :mod:`~fleet.dispatch.dispatcher`: the sortie queues, landings observed, bookings through the
  service's atomic reservation path;
- :mod:`~fleet.dispatch.engine`: one scheduling round of one operator;
- :mod:`~fleet.dispatch.loop`: :class:`DispatchLoop`, the long-lived component (``run()``);
- :mod:`~fleet.dispatch.service`: the loop started next to the mission runner in
  ``skyfleet serve``.
"""
