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
festival-error-overlap-entry = You're in the ballot for { $title } ({ $time }), at the same time: withdraw that entry first.
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

## Ballots: places drawn among the entries, for the most wanted items.

festival-ballot-title = Ballots
festival-ballot-enter = Enter the ballot
festival-ballot-opens = Ballot opens { $when }
festival-ballot-open-until = By ballot · entries until { $when }
festival-ballot-drawing = Ballot closed: the draw is being made
festival-ballot-mine = Your ballot entry: { $status }
festival-ballot-explained = Places for this go by ballot. Enter by { $when }: the draw is made then, and no one, the festival included, can choose who wins. If you win, you have { $minutes } minutes to claim your tickets.
festival-ballot-partner = A partner's e-mail (optional)
festival-ballot-partner-help = Going with someone? Name their account's e-mail: they confirm under My tickets, for one ticket of their own, and you win or lose together.
festival-ballot-entered = You're in the ballot for { $title }. The draw is made on { $when }.
festival-ballot-already = You already entered this ballot: see My tickets.
festival-ballot-not-open = This ballot takes no entries now: it has closed, or is not open yet.
festival-ballot-partner-yours = That e-mail is yours: name someone else as your partner, or leave it empty.
festival-ballot-partner-unknown = No account uses { $email }: your partner creates an account first.
festival-ballot-limit = You may enter for at most { $limit ->
    [one] one ticket
   *[other] { $limit } tickets
} here, counting the tickets you already hold.
festival-ballot-status-open = Entered
festival-ballot-status-partner-asked = Confirm to take part
festival-ballot-status-partner-missed = Not confirmed
festival-ballot-status-drawing = Being drawn
festival-ballot-status-won = You won!
festival-ballot-status-lost = Not drawn
festival-ballot-status-claimed = Claimed
festival-ballot-status-expired = Not claimed in time
festival-ballot-status-withdrawn = Withdrawn
festival-ballot-status-cancelled = Cancelled
festival-ballot-open-help = You're in the draw for { $tickets ->
    [one] one ticket
   *[other] { $tickets } tickets
}. The draw is made on { $when }; you may withdraw until then.
festival-ballot-open-waiting-help = You're in the draw for { $tickets ->
    [one] one ticket
   *[other] { $tickets } tickets
}. { $partner } has not confirmed yet: without it by { $when }, you're drawn alone.
festival-ballot-open-pair-help = You and { $partner } are in the draw together, for { $places } tickets: you win or lose as a pair. The draw is made on { $when }.
festival-ballot-open-partner-help = You're in the draw as { $entrant }'s partner, for one ticket of your own: you win or lose together. The draw is made on { $when }.
festival-ballot-partner-asked-help = { $entrant } named you as their partner in this ballot. Confirm by { $when } to take part with one ticket of your own: you win or lose together.
festival-ballot-partner-missed-help = You did not confirm before the ballot closed: the entry was drawn without you.
festival-ballot-drawing-help = The ballot has closed: the draw is being made. Your result shows here.
festival-ballot-won-help = Claim your { $places ->
    [one] ticket
   *[other] { $places } tickets
} by { $until }. Not claimed by then, the places go to the next entry in the draw.
festival-ballot-won-partner-help = Your pair won! { $entrant } claims the tickets by { $until }; yours then shows below.
festival-ballot-lost-help = Not drawn this time. Places that winners do not claim go to the next entries in the draw's order: this one may still win, and it would show here.
festival-ballot-claimed-help = Claimed: your { $places ->
    [one] ticket is
   *[other] { $places } tickets are
} below.
festival-ballot-claimed-partner-help = Claimed by { $entrant }: your ticket is below.
festival-ballot-expired-help = Not claimed by { $until }: the places went to the next in line.
festival-ballot-withdrawn-help = You withdrew this entry.
festival-ballot-cancelled-help = The festival cancelled this item: its ballot ends here.
festival-ballot-claim = Claim your tickets
festival-ballot-confirm = Confirm: I'm in
festival-ballot-withdraw = Withdraw
festival-ballot-withdraw-confirm = Withdraw your entry for { $title }? You may enter again until the ballot closes.
festival-ballot-claimed = { $count ->
    [one] Your ticket for { $title } is below.
   *[other] Your { $count } tickets for { $title } are below.
}
festival-ballot-confirmed = You're in the ballot for { $title }, with your partner. The draw is made on { $when }.
festival-ballot-draw-title = How the draw works
festival-ballot-draw-explained = Before the ballot opened, the festival published a commitment: the SHA-256 of a secret it cannot change afterwards. At the draw the secret is revealed; with the list of entries it gives the seed, and each entry's rank is the SHA-256 of the seed and the entry's id. Entries win in rank order, lowest first, while places remain. Anyone can recompute it from the published result (ballotResult).
festival-ballot-draw-commitment = Commitment:
festival-ballot-draw-later = The secret and the seed are published at the draw.
festival-ballot-draw-secret = Secret:
festival-ballot-draw-seed = Seed:
festival-ballot-draw-rank = Your entry's rank:
festival-ballot-draw-checked = Checked on this phone: the secret matches the commitment, and the seed follows from the secret and the entries.
festival-ballot-draw-mismatch = This phone could not match the secret to the commitment, or the seed to the secret: ask the organizers.
festival-error-ballot-only = Places for this go by ballot: enter the ballot from the programme.
festival-ticket-from-standby = Checked in from the standby line
