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
door-released = Released: this ticket for { $title } was not scanned by { $time }, when unscanned tickets went to the standby line. The holder may join the standby line.
door-released-earlier = Released: this ticket for { $title } went to the standby line. The holder may join the standby line.

## The door page (/door): what door staff read on their phones.

door-outcome-admitted = Admitted
door-outcome-already-checked-in = Already in
door-outcome-invalid-code = Invalid code
door-outcome-unknown-ticket = Unknown ticket
door-outcome-cancelled = Cancelled
door-outcome-item-cancelled = Item cancelled
door-outcome-wrong-venue = Wrong venue
door-outcome-wrong-item = Wrong item
door-outcome-too-early = Too early
door-outcome-too-late = Too late
door-outcome-venue-full = Venue full
door-outcome-released = Released

# Decided by the phone alone, without the server: holders' names are not known.
door-offline-admitted = Admitted offline for { $title } { door-when }.
door-offline-not-here = This ticket is not for any item at this venue from now on.

door-page-title = Usher door
door-page-language = Language
door-page-pair-title = Pair this phone
door-page-pair-help = Scan the pairing QR code an organizer shows you with this phone's camera app, or sign in with your own door-staff account.
door-page-email = E-mail
door-page-password = Password
door-page-sign-in = Sign in
door-page-pairing-refused = This phone's pairing no longer works (revoked or expired). Ask an organizer for a new pairing code.
door-page-no-door-role = This account may not scan at any venue. Ask an organizer for the door-staff role.
door-page-choose-venue = Choose the venue you are at
door-page-unpair = Unpair
door-page-venue = Venue
door-page-item = Item
door-page-item-any = Any item at this venue
door-page-gate = Gate
door-page-gate-none = No gate
door-page-code = Ticket code
door-page-check = Check
door-page-start-camera = Start the camera
door-page-camera-failed = The camera cannot be used here ({ $reason }). Type or paste codes, or use a scanner.
door-page-in = { $admitted } / { $capacity } in
door-page-online = Online
door-page-offline = Offline
door-page-offline-banner = Offline: this phone decides alone. { $pending ->
    [one] One scan waits
   *[other] { $pending } scans wait
} to be sent.
door-page-pending = { $pending ->
    [one] One scan waits
   *[other] { $pending } scans wait
} to be sent.
door-page-decided-offline = Decided on this phone (offline)
door-page-tap-to-continue = Tap for the next ticket
door-page-undo = Undo
door-page-undone = Admission undone.
door-page-conflicts = Settled differently by the server
door-page-clear = Clear
door-page-no-items = No items at this venue from now on.
door-page-error = Something went wrong: { $message }

## The standby line on the door page: numbers given at the door, places called in.

door-page-standby = Standby line
door-page-standby-places = Room for { $places }
door-page-standby-opens = The standby line opens { door-when }.
door-page-standby-closed = The standby line closed { door-when }.
door-page-standby-call-from = Numbers can be given now; calling in starts when the doors open { door-when }.
door-page-standby-offline = Offline: the standby line needs the network.
door-page-standby-count = Places to call
door-page-standby-call = Call in
# A pair that does not fit is passed over for a single behind it.
door-page-standby-fit = { $fit } of { $waiting ->
    [one] one waiting place fits
   *[other] { $waiting } waiting places fit
} now.
door-page-standby-called = Called in: { $places ->
    [one] one place
   *[other] { $places } places
}, { $people ->
    [one] one person
   *[other] { $people } people
}. Let them in now.
door-page-standby-none-called = No room: no one was called.
door-page-standby-add-title = Give a number to someone at the door
door-page-standby-name = Name
door-page-standby-quantity = People
door-page-standby-add = Give a number
door-page-standby-their-number = Their number
door-page-standby-people = { $people ->
    [one] 1 person
   *[other] { $people } people
}
door-page-standby-walk-up-tag = At the door
door-page-standby-online-tag = In the app
door-page-standby-waiting = { $places ->
    [0] No one is waiting.
    [one] Waiting: one place, { $people ->
        [one] one person
       *[other] { $people } people
    }
   *[other] Waiting: { $places } places, { $people } people
}
