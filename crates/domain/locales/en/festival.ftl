# The festival app (/): what attendees read. Variables are named where used.

festival-language = Language
festival-tab-programme = Programme
festival-tab-tickets = My tickets
festival-tab-account = Account
festival-offline = Offline: showing what this phone kept. Your tickets still open at the door.
festival-choose = Choose a festival
festival-venue = Venue
festival-kind = Kind
festival-all-venues = All venues
festival-all-kinds = Everything
festival-kind-screening = Screening
festival-kind-forum = Forum
festival-kind-concert = Concert
festival-kind-other = Other
festival-minutes = { $minutes } min
festival-add-to-calendar = Add to calendar
festival-left = { $left ->
    [one] One ticket left
   *[other] { $left } tickets left
}
festival-sold-out = Sold out · { $waiting } waiting
festival-not-yet-open = Reservations open { $when }
festival-closed = Reservations closed
festival-cancelled = Cancelled
festival-reserve = Reserve
festival-join-waitlist = Join the waitlist
festival-leave-waitlist = Leave
festival-quantity = Tickets
festival-holder = Name on ticket { $number }
festival-close = Close
festival-sign-in-first = Sign in or create an account to reserve.
festival-reserved = { $count ->
    [one] Your ticket for { $title } is below.
   *[other] Your { $count } tickets for { $title } are below.
}
festival-waitlisted = You are number { $position } on the waitlist for { $title }.
festival-no-tickets = No tickets yet: reserve from the programme.
festival-tickets-saved = Saved on this phone at { $when }.
festival-waitlists = Waitlists
festival-no-waitlists = You are on no waitlist.
festival-waitlist-entry = { $title }: number { $position } for { $quantity ->
    [one] one ticket
   *[other] { $quantity } tickets
}
festival-gates = Gates { $gates }
festival-qr-alt = Ticket QR code for { $holder }
festival-ticket-active = Valid: show this code at the door
festival-ticket-checked-in = Checked in
festival-ticket-cancelled = Cancelled
festival-ticket-released = Released to the standby line
festival-ticket-released-help = This ticket was not scanned by { $time }, so its place went to the standby line: it no longer opens the door. You may still join the standby line.
festival-cancel-ticket = Cancel this ticket
festival-cancel-confirm = Cancel the ticket of { $holder } for { $title }? Its place goes to someone else.
festival-sign-in = Sign in
festival-sign-up = Create an account
festival-sign-out = Sign out
festival-email = E-mail
festival-password = Password
festival-new-password = Password (at least 10 characters)
festival-old-password = Current password
festival-display-name = Your name
festival-change-password = Change password
festival-password-changed = Your password is changed; you are signed out everywhere else.
festival-forgot-password = Forgot your password? Resetting it by e-mail is not available yet: ask the festival's organizers.
festival-welcome = Welcome, { $name }.

festival-error-network = The festival's server cannot be reached. Try again in a moment.
festival-error-limit = { $left ->
    [0] You already hold the most tickets allowed for this ({ $limit }).
    [one] You may reserve one more ticket for this.
   *[other] You may reserve { $left } more tickets for this.
}
festival-error-overlap = You already hold a ticket for { $title } ({ $time }), at the same time.
festival-error-sold-out = Sold out. You can join the waitlist: a cancelled place goes to the first in line.
festival-error-reservation-closed = Reservations for this are not open now.
festival-error-invalid-credentials = The e-mail or the password is wrong.
festival-error-already-exists = An account with this e-mail exists already: sign in instead.
festival-error-unauthenticated = Your session has ended: sign in again.
festival-error-forbidden = You may not do this.
festival-error-not-found = This no longer exists.
festival-error-unavailable = The server is busy. Try again in a moment.
festival-error-no-show-blocked = You cannot reserve, join a waitlist or a standby line until { $until }: too many no-shows and late cancellations. See My tickets.

## The standby line: a numbered place at the door once nothing is left to reserve.

festival-standby-title = Standby line
festival-standby-join = Join the standby line
festival-standby-explained = Nothing left to reserve? Come to the door: as places free up, door staff call numbers in order and let those people in on the spot. One place per person, for 1 or 2 people.
festival-standby-quantity = People
festival-standby-people = { $people ->
    [one] 1 person
   *[other] { $people } people
}
festival-standby-joined = You are number { $number } in the standby line for { $title }.
festival-standby-already = You already have a place in this standby line: see My tickets.
festival-standby-your-number = Your number
festival-standby-number = Standby line: number { $number }
festival-standby-ahead = { $ahead ->
    [0] No one is ahead of you: you are next.
    [one] One person is ahead of you.
   *[other] { $ahead } people are ahead of you.
}
festival-standby-in = You're in: your number was called.
festival-standby-ended = The standby line has closed.
festival-standby-called = Number { $number } is called for { $title }: you're in.
festival-standby-help = Stay near the door: staff call numbers in order as places free up.
festival-standby-leave = Leave the line
festival-standby-leave-confirm = Leave the standby line for { $title }? Number { $number } is not given again.

## Strikes: tickets not used, or given back too close to the start, and the block they bring.

festival-standing-title = Your standing
festival-standing-explained = A ticket not scanned at the door, or given back too close to the start, counts as a strike. Too many strikes close reserving to you for a while. If one is wrong, ask the organizers.
festival-standing-blocked = You cannot reserve until { $until } because of { $count ->
    [one] one no-show or late cancellation
   *[other] { $count } no-shows and late cancellations
}. Waitlists and standby lines are closed to you until then too.
festival-strike-no-show = No-show
festival-strike-late-cancellation = Late cancellation
festival-strike-no-show-help = Not scanned at the door by the end of late entry.
festival-strike-late-cancellation-help = Given back on { $when }, too close to the start.
festival-strike-forgiven = Forgiven by the organizers on { $when }: it no longer counts.
