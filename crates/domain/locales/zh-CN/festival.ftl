# 电影节观众页面（/）：观众看到的文字。

festival-language = 语言
festival-tab-programme = 节目
festival-tab-tickets = 我的票
festival-tab-account = 账号
festival-offline = 离线：显示此手机保存的内容。您的票在检票口仍可打开。
festival-choose = 请选择电影节
festival-venue = 场馆
festival-kind = 类型
festival-all-venues = 全部场馆
festival-all-kinds = 全部
festival-kind-screening = 放映
festival-kind-forum = 论坛
festival-kind-concert = 音乐会
festival-kind-other = 其他
festival-minutes = { $minutes } 分钟
festival-add-to-calendar = 加入日历
festival-left = 余票 { $left } 张
festival-sold-out = 已满 · { $waiting } 人候补
festival-not-yet-open = { $when } 开放预约
festival-closed = 预约已截止
festival-cancelled = 已取消
festival-reserve = 预约
festival-join-waitlist = 加入候补
festival-leave-waitlist = 退出
festival-quantity = 票数
festival-holder = 第 { $number } 张票的持票人姓名
festival-close = 关闭
festival-sign-in-first = 请先登录或注册账号再预约。
festival-reserved = 您预约的 { $count } 张《{ $title }》票如下。
festival-waitlisted = 您在《{ $title }》的候补名单中排第 { $position } 位。
festival-no-tickets = 还没有票：请在节目单中预约。
festival-tickets-saved = 保存于此手机：{ $when }。
festival-waitlists = 候补
festival-no-waitlists = 您不在任何候补名单中。
festival-waitlist-entry = 《{ $title }》：第 { $position } 位，{ $quantity } 张票
festival-gates = 入口 { $gates }
festival-qr-alt = { $holder } 的电子票二维码
festival-ticket-active = 有效：请在检票口出示此码
festival-ticket-checked-in = 已检票
festival-ticket-cancelled = 已取消
festival-ticket-released = 已释放给现场候补队列
festival-ticket-released-help = 此票未在 { $time } 前检票，名额已转给现场候补队列，此票已不能入场。您仍可排现场候补。
festival-cancel-ticket = 取消此票
festival-cancel-confirm = 确定取消 { $holder } 的《{ $title }》票吗？名额将让给他人。
festival-sign-in = 登录
festival-sign-up = 注册账号
festival-sign-out = 退出登录
festival-email = 电子邮箱
festival-password = 密码
festival-new-password = 密码（至少 10 个字符）
festival-old-password = 当前密码
festival-display-name = 您的姓名
festival-change-password = 修改密码
festival-password-changed = 密码已修改；其他设备上的登录已退出。
festival-forgot-password = 忘记密码？暂不支持通过电子邮件重置：请联系电影节主办方。
festival-welcome = 欢迎，{ $name }。

festival-error-network = 无法连接电影节服务器，请稍后再试。
festival-error-limit = { $left ->
    [0] 您持有的票已达此场次的上限（{ $limit } 张）。
   *[other] 您还可以为此场次预约 { $left } 张票。
}
festival-error-overlap = 您已持有同一时间《{ $title }》（{ $time }）的票。
festival-error-overlap-entry = 您已参加同一时间《{ $title }》（{ $time }）的抽签：请先撤回该报名。
festival-error-sold-out = 已满。您可以加入候补：有人退票时，名额按顺序给候补者。
festival-error-reservation-closed = 此场次现在不开放预约。
festival-error-invalid-credentials = 电子邮箱或密码错误。
festival-error-already-exists = 此电子邮箱已注册：请直接登录。
festival-error-unauthenticated = 登录已过期：请重新登录。
festival-error-forbidden = 您无权进行此操作。
festival-error-not-found = 此内容已不存在。
festival-error-unavailable = 服务器繁忙，请稍后再试。
festival-error-no-show-blocked = 由于爽约（未到场或临近开场退票）次数过多，您在 { $until } 之前不能预约、加入候补名单或排现场候补。详见“我的票”。

## 现场候补队列：无票可约时，在检票口按号入场。

festival-standby-title = 现场候补队列
festival-standby-join = 排现场候补
festival-standby-explained = 已无票可约？请到检票口：有空位时，检票员按号码顺序叫号并当场放行。每人一个号，每个号 1 或 2 人。
festival-standby-quantity = 人数
festival-standby-people = { $people } 人
festival-standby-joined = 您在《{ $title }》的现场候补队列中是 { $number } 号。
festival-standby-already = 您已在此现场候补队列中：请查看“我的票”。
festival-standby-your-number = 您的号码
festival-standby-number = 现场候补：{ $number } 号
festival-standby-ahead = { $ahead ->
    [0] 您前面没有人：下一个就是您。
   *[other] 您前面还有 { $ahead } 人。
}
festival-standby-in = 您已入场：您的号码已被叫到。
festival-standby-ended = 现场候补队列已关闭。
festival-standby-called = 《{ $title }》已叫到 { $number } 号：请入场。
festival-standby-help = 请留在检票口附近：有空位时按号码顺序叫号。
festival-standby-leave = 退出排队
festival-standby-leave-confirm = 退出《{ $title }》的现场候补队列吗？{ $number } 号不会再发出。

## 爽约记录：未检票的票，或临近开场才退的票，以及由此带来的预约限制。

festival-standing-title = 您的爽约记录
festival-standing-explained = 票未在检票口检票，或临近开场才退票，都会记一次爽约。爽约次数过多，将在一段时间内不能预约。如有误，请联系主办方。
festival-standing-blocked = 由于 { $count } 次爽约（未到场或临近开场退票），您在 { $until } 之前不能预约，也不能加入候补名单或排现场候补。
festival-strike-no-show = 未到场
festival-strike-late-cancellation = 临近开场退票
festival-strike-no-show-help = 入场截止时仍未检票。
festival-strike-late-cancellation-help = 于 { $when } 退票，距开场太近。
festival-strike-forgiven = 主办方已于 { $when } 撤销此记录，不再计入。

## 抽签：热门场次的名额从报名者中抽出。

festival-ballot-title = 抽签
festival-ballot-enter = 报名抽签
festival-ballot-opens = { $when } 开放抽签报名
festival-ballot-open-until = 抽签 · 报名截止 { $when }
festival-ballot-drawing = 抽签报名已截止：正在抽签
festival-ballot-mine = 您的抽签报名：{ $status }
festival-ballot-explained = 此场次的名额以抽签方式分配。请在 { $when } 前报名：届时抽签，任何人（包括主办方）都无法指定中签者。中签后，您有 { $minutes } 分钟领取票。
festival-ballot-partner = 同伴的电子邮箱（可选）
festival-ballot-partner-help = 和别人一起去？填写对方账号的电子邮箱：对方在“我的票”中确认，自己占一张票，你们一起中签或一起落选。
festival-ballot-entered = 您已报名《{ $title }》的抽签，将于 { $when } 抽签。
festival-ballot-already = 您已报名此抽签：请查看“我的票”。
festival-ballot-not-open = 此抽签现在不接受报名：已截止或尚未开放。
festival-ballot-partner-yours = 这是您自己的电子邮箱：请填写同伴的邮箱，或留空。
festival-ballot-partner-unknown = 没有账号使用 { $email }：请同伴先注册账号。
festival-ballot-limit = 此场次最多可报名 { $limit } 张票（包括您已持有的票）。
festival-ballot-status-open = 已报名
festival-ballot-status-partner-asked = 请确认参加
festival-ballot-status-partner-missed = 未确认
festival-ballot-status-drawing = 正在抽签
festival-ballot-status-won = 您中签了！
festival-ballot-status-lost = 未中签
festival-ballot-status-claimed = 已领取
festival-ballot-status-expired = 未按时领取
festival-ballot-status-withdrawn = 已撤回
festival-ballot-status-cancelled = 已取消
festival-ballot-open-help = 您已报名抽签，{ $tickets } 张票。将于 { $when } 抽签，此前可以撤回。
festival-ballot-open-waiting-help = 您已报名抽签，{ $tickets } 张票。{ $partner } 尚未确认：如 { $when } 前仍未确认，将只为您一人抽签。
festival-ballot-open-pair-help = 您和 { $partner } 一起参加抽签，共 { $places } 张票：一起中签或一起落选。将于 { $when } 抽签。
festival-ballot-open-partner-help = 您作为 { $entrant } 的同伴参加抽签，自己占一张票：一起中签或一起落选。将于 { $when } 抽签。
festival-ballot-partner-asked-help = { $entrant } 在此抽签中把您填为同伴。请在 { $when } 前确认，即可自己占一张票参加：一起中签或一起落选。
festival-ballot-partner-missed-help = 您未在抽签截止前确认：此报名已在没有您的情况下抽签。
festival-ballot-drawing-help = 抽签报名已截止，正在抽签。结果将显示在这里。
festival-ballot-won-help = 请在 { $until } 前领取您的 { $places } 张票。逾期未领，名额将按抽签顺序给下一位报名者。
festival-ballot-won-partner-help = 你们中签了！{ $entrant } 需在 { $until } 前领取；领取后，您的票会显示在下方。
festival-ballot-lost-help = 这次未中签。中签者未领取的名额，会按抽签顺序给下一位报名者：此报名仍可能中签，届时会显示在这里。
festival-ballot-claimed-help = 已领取：您的 { $places } 张票见下方。
festival-ballot-claimed-partner-help = { $entrant } 已领取：您的票见下方。
festival-ballot-expired-help = 未在 { $until } 前领取：名额已给下一位。
festival-ballot-withdrawn-help = 您已撤回此报名。
festival-ballot-cancelled-help = 主办方已取消此场次：抽签到此结束。
festival-ballot-claim = 领取我的票
festival-ballot-confirm = 确认参加
festival-ballot-withdraw = 撤回
festival-ballot-withdraw-confirm = 撤回《{ $title }》的抽签报名吗？抽签截止前可以再次报名。
festival-ballot-claimed = 您领取的 { $count } 张《{ $title }》票如下。
festival-ballot-confirmed = 您已和同伴一起报名《{ $title }》的抽签，将于 { $when } 抽签。
festival-ballot-draw-title = 抽签规则
festival-ballot-draw-explained = 抽签报名开放之前，主办方已公布一个承诺值：某个秘密值的 SHA-256，此后无法更改。抽签时公开该秘密值；它与报名名单一起得出种子，每个报名的排名是种子与报名编号的 SHA-256。按排名从低到高依次中签，直到名额用完。任何人都可以根据公布的结果（ballotResult）重新计算。
festival-ballot-draw-commitment = 承诺值：
festival-ballot-draw-later = 秘密值和种子将在抽签时公布。
festival-ballot-draw-secret = 秘密值：
festival-ballot-draw-seed = 种子：
festival-ballot-draw-rank = 您的报名排名：
festival-ballot-draw-checked = 已在此手机上核对：秘密值与承诺值相符，种子由秘密值和报名名单得出。
festival-ballot-draw-mismatch = 此手机未能核对秘密值与承诺值，或种子与秘密值：请联系主办方。
festival-error-ballot-only = 此场次的名额以抽签方式分配：请在节目单中报名抽签。
festival-ticket-from-standby = 已从现场候补队列入场
