// Attendees: where a person stands at the festival, looked up by the
// e-mail of their account: their no-show strikes (unused tickets and late
// cancellations), forgiven or not, and whether they are blocked from
// reserving; a strike forgiven from its line, after a confirmation.
import { ApiError } from '/common/api.js';
import { $, confirmAction, formatTime, h } from '/organizer/ui.js';

const POLICY = `query Policy($id: ID!) {
  festival(id: $id) { noShowLimit noShowBlockDays cancelWithoutPenaltyMinutes }
}`;
const STANDING = `query Standing($id: ID!, $email: String!) {
  festival(id: $id) { attendeeStanding(email: $email) {
    email displayName blockedUntil
    noShows { id kind at forgivenAt item { id title startsAt venue { name } } }
  } }
}`;
const FORGIVE = 'mutation Forgive($id: ID!) { forgiveNoShow(noShowId: $id) { id forgivenAt } }';

export class Attendees {
  constructor(context) {
    this.context = context;
    this.policy = null;
    /// The standing shown, or null; `unknown` is an e-mail no account has.
    this.standing = null;
    this.unknown = null;
    $('lookup-form').addEventListener('submit', (event) => this.lookUp(event));
  }

  get festival() {
    return this.context.festival;
  }

  async enter() {
    this.standing = null;
    this.unknown = null;
    $('lookup-form').reset();
    this.render();
    const festival = this.festival;
    const { festival: policy } = await this.context.api.request(POLICY, { id: festival.id });
    if (festival !== this.festival) return;
    this.policy = policy;
    this.render();
  }

  // --- Drawing ----------------------------------------------------------------------

  render() {
    const { t } = this.context;
    const policy = this.policy;
    $('policy-summary').textContent = !policy
      ? ''
      : policy.noShowLimit === null
        ? t('organizer-policy-summary-never', { minutes: policy.cancelWithoutPenaltyMinutes })
        : t('organizer-policy-summary', {
            limit: policy.noShowLimit,
            days: policy.noShowBlockDays,
            minutes: policy.cancelWithoutPenaltyMinutes,
          });
    $('lookup-unknown').hidden = !this.unknown;
    $('lookup-unknown').textContent = this.unknown ? t('organizer-lookup-unknown', { email: this.unknown }) : '';
    this.renderStanding();
  }

  renderStanding() {
    const { t, tag } = this.context;
    const box = $('standing');
    const standing = this.standing;
    box.hidden = !standing;
    if (!standing) {
      box.dataset.email = '';
      box.dataset.blockedUntil = '';
      box.dataset.count = '0';
      $('standing-strikes').replaceChildren();
      return;
    }
    const zone = this.festival.timezone;
    const when = (at) => formatTime(at, zone, tag, { day: true, weekday: true });
    box.dataset.email = standing.email;
    box.dataset.blockedUntil = standing.blockedUntil ?? '';
    box.dataset.count = String(standing.noShows.length);
    $('standing-name').textContent = `${standing.displayName} · ${standing.email}`;
    const counting = standing.noShows.filter((strike) => !strike.forgivenAt).length;
    const state = $('standing-state');
    state.dataset.blocked = String(Boolean(standing.blockedUntil));
    state.textContent = standing.blockedUntil
      ? t('organizer-standing-blocked', { until: when(standing.blockedUntil), count: counting })
      : t('organizer-standing-free', { count: counting });
    $('standing-none').hidden = standing.noShows.length > 0;
    $('standing-strikes').dataset.count = String(standing.noShows.length);
    $('standing-strikes').replaceChildren(
      ...standing.noShows.map((strike) =>
        h(
          'li',
          {
            'data-no-show-id': strike.id,
            'data-item-id': strike.item.id,
            'data-kind': strike.kind,
            'data-forgiven': String(Boolean(strike.forgivenAt)),
          },
          h(
            'span',
            {},
            h('strong', {}, strike.item.title),
            ' ',
            h('span', { class: 'hint' }, `${when(strike.item.startsAt)} · ${strike.item.venue.name}`),
            h('br'),
            h('span', { class: `status strike-${strike.kind.toLowerCase()}` }, t(`organizer-strike-${strike.kind.toLowerCase().replaceAll('_', '-')}`)),
            ' ',
            h('span', { class: 'hint' }, t('organizer-strike-at', { when: when(strike.at) })),
          ),
          strike.forgivenAt
            ? h('span', { class: 'forgiven' }, t('organizer-strike-forgiven', { when: when(strike.forgivenAt) }))
            : h(
                'button',
                { type: 'button', class: 'small', 'data-action': 'forgive', onclick: () => this.forgive(strike) },
                t('organizer-forgive'),
              ),
        ),
      ),
    );
  }

  // --- Looking up and forgiving ----------------------------------------------------------

  async lookUp(event) {
    event.preventDefault();
    const email = $('lookup-form').elements.email.value.trim();
    this.context.clearMessages();
    await this.context.attempt(() => this.read(email));
  }

  /// Reads where `email` stands and shows it.
  async read(email) {
    const festival = this.festival;
    try {
      const data = await this.context.api.request(STANDING, { id: festival.id, email });
      if (festival !== this.festival) return;
      this.standing = data.festival.attendeeStanding;
      this.unknown = null;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'NOT_FOUND')) throw error;
      this.standing = null;
      this.unknown = email;
    }
    this.render();
  }

  async forgive(strike) {
    const { t } = this.context;
    const standing = this.standing;
    const sure = await confirmAction(
      t('organizer-forgive-confirm', { name: standing.displayName, title: strike.item.title }),
      t('organizer-forgive'),
      t('organizer-keep'),
    );
    if (!sure) return;
    const done = await this.context.attempt(() => this.context.api.request(FORGIVE, { id: strike.id }));
    if (!done) return;
    this.context.notify(t('organizer-forgiven', { name: standing.displayName, title: strike.item.title }));
    await this.context.attempt(() => this.read(standing.email));
  }
}
