# The sentences door staff read out after a scan, in English.
#
# Variables: $holder (the ticket holder's name), $title (the item), $venue
# (the venue's name), $gate, $people (a count, as digits) and a moment:
# $today ("yes" when it falls on the day of the scan, in the festival's
# time zone), $time ("19:00"), $weekday (1 = Monday … 7 = Sunday), $day
# (day of the month) and $month (1 = January … 12 = December).

door-weekday = { $weekday ->
    [1] Mon
    [2] Tue
    [3] Wed
    [4] Thu
    [5] Fri
    [6] Sat
   *[7] Sun
}
door-month = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
# "at 19:00" today, "on Fri 5 Dec at 19:00" on any other day: a bare time
# for a screening three days off reads as tonight.
door-when = { $today ->
    [yes] at { $time }
   *[no] on { door-weekday } { $day } { door-month } at { $time }
}
door-day = { door-weekday } { $day } { door-month } { $time }

door-admitted = Admitted: { $holder } for { $title } { door-when }.
door-already-checked-in = Already checked in.
door-already-checked-in-when = Already checked in { door-when }.
door-already-checked-in-at-gate = Already checked in { door-when } at gate { $gate }.
door-invalid-code = Not a valid ticket: the code is unreadable or forged.
door-retired-key = Not a valid code any more: it was signed with a key that has since been retired. Ask the holder to open the ticket again in the app for a fresh code.
door-unknown-ticket = Unknown ticket: this is not a ticket of this festival.
door-cancelled = This ticket was cancelled.
door-item-cancelled = { $title } was cancelled.
door-wrong-venue = Wrong venue: this ticket is for { $title } at { $venue }, { door-day }.
door-wrong-item = Wrong item: this ticket is for { $title } in this venue at { door-day }.
door-too-early = Too early: doors open { door-when } for { $title }.
door-too-late = Too late: admission for { $title } closed { door-when }.
door-venue-full = { $venue } is full: { $people ->
    [one] { $people } person is
   *[other] { $people } people are
} inside for { $title }.
