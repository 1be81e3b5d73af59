# The organizer console (/organizer), in English.
#
# The scans' outcomes are named by door.ftl (door-outcome-…), which the
# console loads too. Times are shown in the festival's time zone.

organizer-title = Usher organizer console
organizer-language = Language
organizer-nav = Console sections
organizer-nav-dashboard = Dashboard
organizer-nav-setup = Set up
organizer-nav-scanners = Scanner devices
organizer-nav-scans = Scan log
organizer-nav-attendees = Attendees
organizer-change-festival = Choose another festival
organizer-sign-out = Sign out

## Signing in and choosing a festival

organizer-sign-in-title = Sign in to run your festival
organizer-email = E-mail
organizer-password = Password
organizer-sign-in = Sign in
organizer-choose-festival = Choose a festival
organizer-no-festivals = This account organizes no festival. Ask an admin for the organizer role.

## What the API refused, by its error code

organizer-error-unauthenticated = Please sign in again.
organizer-error-session-ended = Your session has ended: please sign in again.
organizer-error-invalid-credentials = The e-mail or the password is wrong.
organizer-error-forbidden = This account may not do that for this festival.
organizer-error-not-found = Not found: { $message }
organizer-error-bad-user-input = Please check what you entered: { $message }
organizer-error-already-exists = That already exists: { $message }
organizer-error-rate-limited = Too many attempts: wait a moment and try again.
organizer-error-unavailable = The server cannot answer just now: try again in a moment.
organizer-error-internal = Something went wrong on the server. Try again; if it goes on, tell the administrator.
organizer-error-gone = This pairing code no longer works: the token was revoked or has expired.
organizer-error-network = The server cannot be reached. Check the network and try again.
organizer-error-other = Something went wrong: { $message }

## The dashboard

organizer-dashboard-title = Today and the coming days
organizer-times-in = Times in { $zone }.
organizer-live = Live: { $items ->
    [one] one item
   *[other] { $items } items
}
organizer-csv = Download the attendance CSV
organizer-col-time = Time
organizer-col-item = Item
organizer-col-item-venue = Item and venue
organizer-col-venue = Venue
organizer-col-status = Status
organizer-col-issued = Issued
organizer-col-checked-in = Checked in
organizer-col-no-shows = No-shows
organizer-col-capacity = Capacity
organizer-col-waitlist = Waitlist
organizer-col-cancelled = Cancelled
organizer-col-rate = Check-in rate
organizer-col-standby = Standby line
organizer-col-released = Released
organizer-col-standby-admitted = Let in
organizer-col-standby-waiting = Waiting
organizer-col-standby-places = Room
organizer-col-actions = Actions
organizer-capacity-explained = Tickets that may be issued / people the venue holds
organizer-standby-places-explained = People the door may still let in from the standby line now: the venue's capacity, minus the people inside, minus the tickets still held
organizer-no-items = No items today or in the coming days.
organizer-status-not-yet-open = Not yet open
organizer-status-open = Open
organizer-status-sold-out = Sold out
organizer-status-closed = Closed
organizer-status-cancelled = Cancelled
organizer-status-ballot = Ballot
organizer-chart = Arrivals
organizer-chart-title = Arrivals for { $title }
organizer-chart-open = Open the chart
organizer-chart-alt = Check-ins per 5 minutes, from doors open to late entry closed
organizer-close = Close
organizer-totals-title = Totals
organizer-totals-by = By
organizer-group-day = Day
organizer-group-venue = Venue
organizer-group-film = Film
organizer-group-country = Country
organizer-group-item = Item
organizer-totals-country-hint = A co-production counts once for each of its countries, so these rows can add up to more than the festival's total.
organizer-no-film = No film

## Setting up

organizer-setup-title = Set up the festival
organizer-venues = Venues
organizer-venue-new = New venue
organizer-venue-edit = Edit { $name }
organizer-venue-summary = { $capacity } people · gates: { $gates }
organizer-films = Films
organizer-film-new = New film
organizer-film-edit = Edit { $name }
organizer-minutes = { $minutes } min
organizer-programme = Programme
organizer-item-new = New programme item
organizer-item-edit = Edit { $name }
organizer-release-hint = Tickets not scanned by the release go to the standby line. The release comes after the doors open (fewer minutes before the start than the doors), and reservations close at it at the latest.
organizer-item-edit-hint = The kind, film, title, venue and door times of an existing item stay as they are; the other fields can change.
organizer-field-name = Name
organizer-field-address = Address
organizer-field-capacity = Capacity (people at once)
organizer-field-gates = Gates, separated by commas
organizer-field-title = Title
organizer-field-original-title = Original title
organizer-field-countries = Countries (codes such as VN, TH), separated by commas
organizer-field-languages = Languages, separated by commas
organizer-field-runtime = Runtime in minutes
organizer-field-director = Director
organizer-field-kind = Kind
organizer-field-film = Film
organizer-field-item-title = Title (the film's when empty)
organizer-field-venue = Venue
organizer-field-starts = Starts
organizer-field-ends = Ends
organizer-field-ticket-capacity = Tickets (the venue's capacity when empty)
organizer-field-max-tickets = Tickets per attendee
organizer-field-doors-open = Doors open, minutes before
organizer-field-late-entry = Late entry, minutes after
organizer-field-standby-opens = Standby line opens, minutes before
organizer-field-release = Unscanned tickets released, minutes before (never when empty)
organizer-field-reservation-opens = Reservations open (now when empty)
organizer-field-reservation-closes = Reservations close (at the start when empty)
organizer-field-settled = Only settled accounts may reserve (the festival's account-age brake)
organizer-kind-screening = Screening
organizer-kind-forum = Forum
organizer-kind-concert = Concert
organizer-kind-other = Other
organizer-create = Create
organizer-save = Save
organizer-edit = Edit
organizer-new-instead = New instead
organizer-created = { $name } created.
organizer-saved = { $name } saved.
organizer-cancel-item = Cancel item
organizer-cancel-confirm = Cancel { $title }? { $tickets ->
    [0] No ticket has been issued for it.
    [one] This cancels its one ticket.
   *[other] This cancels its { $tickets } tickets.
} { $waiting ->
    [0] This cannot be undone.
   *[other] Its waitlist closes. This cannot be undone.
}
organizer-cancel-yes = Cancel the item
organizer-keep = Keep it
organizer-cancelled = { $title } is cancelled{ $tickets ->
    [0] {"."}
    [one] , with its one ticket.
   *[other] , with its { $tickets } tickets.
}

## Roles

organizer-roles = Roles
organizer-roles-help = Give door staff or another organizer access to this festival by the e-mail of their account (they register first), or take it back. A change holds within two seconds.
organizer-role-holders = Who holds a role here
organizer-role-holders-none = No one holds a role in this festival yet.
organizer-role-change = Grant or revoke by e-mail
organizer-field-role = Role
organizer-field-role-venue = Venue (door staff only)
organizer-every-venue = Every venue
organizer-role-door-staff = Door staff
organizer-role-organizer = Organizer
organizer-role-admin = Admin (every festival)
organizer-role-attendee = Attendee
organizer-grant = Grant
organizer-revoke = Revoke
organizer-revoke-confirm = Take the role { $role } back from { $email }?
organizer-role-granted = { $email } is now { $role }.
organizer-role-revoked = { $email } is no longer { $role }.
organizer-role-now = Now holds: { $roles }
organizer-role-none = no role beyond attendee

## Scanner devices

organizer-scanners-title = Scanner devices
organizer-scanners-help = A token lets a phone scan at one venue without a personal account. Issue one, then scan its pairing code with the phone's camera app: the door page opens ready to scan.
organizer-scanner-new = Issue a token
organizer-field-label = Label, e.g. the gate and the phone
organizer-field-label-short = Label
organizer-field-expires = Expires (24 hours from now when empty; at most 31 days)
organizer-issue = Issue
organizer-issued = Token issued for { $label }.
organizer-pairing-title = Pairing code for { $label }
organizer-pairing-alt = The pairing QR code
organizer-pairing-help = Scan it with the phone that will scan tickets. Anyone holding this code can scan at this venue until the token expires or is revoked.
organizer-devices = Devices
organizer-col-state = State
organizer-col-expires = Expires
organizer-col-last-scan = Last scan
organizer-device-active = Active
organizer-device-revoked = Revoked
organizer-device-expired = Expired
organizer-never = Never
organizer-show-qr = Pairing code
organizer-no-devices = No devices at this venue yet.
organizer-revoke-device-confirm = Revoke { $label }? The phone stops scanning at once.
organizer-device-revoked-now = { $label } is revoked.

## The scan log

organizer-scans-title = Scan log
organizer-field-item = Item
organizer-field-outcome = Outcome
organizer-field-gate = Gate
organizer-any-outcome = Every outcome
organizer-any-gate = Every gate
organizer-col-scanned = Scanned
organizer-col-outcome = Outcome
organizer-col-holder = Holder
organizer-col-scanner = Scanner
organizer-scans-summary = { $shown } of { $total } scans, newest first; times in { $zone }.
organizer-no-items-at-all = The festival has no items yet.
organizer-offline-scan = offline
organizer-conflict = settled differently
organizer-staff-account = Door staff account
organizer-undo = Undo admission
organizer-undone = Admission of { $holder } undone: the ticket can be scanned again.
organizer-more = More

## No-shows: the festival's policy, and where an attendee stands

organizer-policy = No-shows and late cancellations
organizer-policy-help = A ticket not scanned by the end of late entry counts a strike against its holder, and so does a ticket given back later than free cancellation allows. With a limit, each time an attendee reaches it they cannot reserve, join a waitlist or a standby line while the block lasts. Strikes can be forgiven under Attendees.
organizer-field-no-show-limit = Strikes that start a block (never block when empty)
organizer-field-no-show-block-days = Days a block lasts
organizer-field-cancel-without-penalty = Free cancellation until, minutes before the start
organizer-policy-saved = The no-show policy is saved.
organizer-attendees-title = Attendees
organizer-policy-summary = { $limit ->
    [one] One strike blocks
   *[other] { $limit } strikes block
} reserving for { $days ->
    [one] a day
   *[other] { $days } days
}; giving a ticket back less than { $minutes } minutes before the start is a strike. Change it under Set up.
organizer-policy-summary-never = Strikes are counted but never block (no limit is set); giving a ticket back less than { $minutes } minutes before the start is a strike. Change it under Set up.
organizer-lookup-title = Look up an attendee
organizer-lookup-help = By the e-mail of their account: their no-shows and late cancellations at this festival, and whether they may reserve.
organizer-lookup = Look up
organizer-lookup-unknown = No account uses { $email }.
organizer-standing-blocked = Blocked until { $until }, with { $count ->
    [one] one strike
   *[other] { $count } strikes
} counting: cannot reserve, join a waitlist or a standby line.
organizer-standing-free = Not blocked: may reserve. { $count ->
    [0] No strike counts.
    [one] One strike counts.
   *[other] { $count } strikes count.
}
organizer-standing-none = No no-show and no late cancellation at this festival.
organizer-strike-no-show = No-show
organizer-strike-late-cancellation = Late cancellation
organizer-strike-at = counted { $when }
organizer-strike-forgiven = Forgiven { $when }
organizer-forgive = Forgive
organizer-forgive-confirm = Forgive { $name } the strike for { $title }? It stays listed but no longer counts; a block it completed ends unless other strikes still reach the limit.
organizer-forgiven = The strike of { $name } for { $title } is forgiven.

## Ballots: an item's places drawn among its entries

organizer-field-allocation = How places are given
organizer-allocation-first-come = First come, first served
organizer-allocation-ballot = Ballot
organizer-field-ballot-opens = Ballot opens
organizer-field-ballot-closes = Ballot closes and is drawn
organizer-field-claim-minutes = Minutes a winner has to claim (60 when empty)
organizer-ballot-hint = Attendees enter the ballot from its opening to its close, alone or with a partner. It is drawn at the close, and each winner then has the claim minutes to claim, which must end before the start. Until the draw nobody can reserve; what the ballot leaves is reserved first come, first served.
organizer-ballot-drawn-fixed = The ballot was drawn { $when }: how the places are given stays as it is.
organizer-ballot-numbers = { $entries ->
    [one] one entry
   *[other] { $entries } entries
} · { $won } won
organizer-ballot-upcoming = opens { $when }
organizer-ballot-open = open until { $when }
organizer-ballot-closed = closed { $when }, not drawn yet
organizer-ballot-drawn = drawn { $when }
organizer-ballot-draw = Draw now
organizer-ballot-drawn-now = The ballot for { $title } is drawn: the winners may claim their tickets now.
organizer-ballot-drawn-already = The ballot for { $title } was drawn already.
