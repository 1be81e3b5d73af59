# 主办方控制台（/organizer），简体中文。
#
# 检票结果的名称来自 door.ftl（door-outcome-…），控制台同时加载。
# 时间均按影展所在时区显示。

organizer-title = Usher 主办方控制台
organizer-language = 语言
organizer-nav = 控制台栏目
organizer-nav-dashboard = 概览
organizer-nav-setup = 设置
organizer-nav-scanners = 检票设备
organizer-nav-scans = 检票记录
organizer-nav-attendees = 观众
organizer-change-festival = 选择其他影展
organizer-sign-out = 退出登录

## 登录与选择影展

organizer-sign-in-title = 登录以管理您的影展
organizer-email = 电子邮箱
organizer-password = 密码
organizer-sign-in = 登录
organizer-choose-festival = 选择影展
organizer-no-festivals = 此账号未主办任何影展。请向管理员申请主办方角色。

## 接口拒绝的原因（按错误代码）

organizer-error-unauthenticated = 请重新登录。
organizer-error-session-ended = 您的登录已失效，请重新登录。
organizer-error-invalid-credentials = 电子邮箱或密码错误。
organizer-error-forbidden = 此账号无权对本影展进行此操作。
organizer-error-not-found = 未找到：{ $message }
organizer-error-bad-user-input = 请检查填写的内容：{ $message }
organizer-error-already-exists = 已存在：{ $message }
organizer-error-rate-limited = 尝试次数过多，请稍候再试。
organizer-error-unavailable = 服务器暂时无法响应，请稍后再试。
organizer-error-internal = 服务器出错。请重试；如仍出错，请联系管理员。
organizer-error-gone = 此绑定码已失效：令牌已被撤销或已过期。
organizer-error-network = 无法连接服务器。请检查网络后重试。
organizer-error-other = 出错了：{ $message }

## 概览

organizer-dashboard-title = 今天及之后几天
organizer-times-in = 时间按 { $zone } 显示。
organizer-live = 实时：{ $items } 个场次
organizer-csv = 下载观众统计 CSV
organizer-col-time = 时间
organizer-col-item = 场次
organizer-col-item-venue = 场次与场馆
organizer-col-venue = 场馆
organizer-col-status = 状态
organizer-col-issued = 已出票
organizer-col-checked-in = 已入场
organizer-col-no-shows = 未到场
organizer-col-capacity = 容量
organizer-col-waitlist = 候补
organizer-col-cancelled = 已取消
organizer-col-rate = 入场率
organizer-col-standby = 现场候补
organizer-col-released = 已释放
organizer-col-standby-admitted = 已入场
organizer-col-standby-waiting = 排队中
organizer-col-standby-places = 空位
organizer-col-actions = 操作
organizer-capacity-explained = 可出票数 / 场馆可容纳人数
organizer-standby-places-explained = 检票口现在还可从现场候补队列放行的人数：场馆容量减去场内人数，再减去仍持有的票
organizer-no-items = 今天及之后几天没有场次。
organizer-status-not-yet-open = 尚未开放
organizer-status-open = 可预订
organizer-status-sold-out = 已订满
organizer-status-closed = 已截止
organizer-status-cancelled = 已取消
organizer-status-ballot = 抽签中
organizer-chart = 入场曲线
organizer-chart-title = { $title } 的入场情况
organizer-chart-open = 打开图表
organizer-chart-alt = 每 5 分钟入场人数，从开始检票到停止入场
organizer-close = 关闭
organizer-totals-title = 汇总
organizer-totals-by = 按
organizer-group-day = 日期
organizer-group-venue = 场馆
organizer-group-film = 影片
organizer-group-country = 国家
organizer-group-item = 场次
organizer-totals-country-hint = 合拍片在其每个出品国家下各计一次，因此各行相加可能超过影展总数。
organizer-no-film = 无影片

## 设置

organizer-setup-title = 设置影展
organizer-venues = 场馆
organizer-venue-new = 新建场馆
organizer-venue-edit = 编辑 { $name }
organizer-venue-summary = { $capacity } 人 · 入口：{ $gates }
organizer-films = 影片
organizer-film-new = 新建影片
organizer-film-edit = 编辑 { $name }
organizer-minutes = { $minutes } 分钟
organizer-programme = 节目单
organizer-item-new = 新建场次
organizer-item-edit = 编辑 { $name }
organizer-release-hint = 到释放时间仍未检的票，名额转给现场候补队列。释放须在开始检票之后（距开始的分钟数少于提前检票的分钟数），预订最迟在释放时截止。
organizer-item-edit-hint = 已有场次的类型、影片、标题、场馆和检票时间不可更改；其他字段可以修改。
organizer-field-name = 名称
organizer-field-address = 地址
organizer-field-capacity = 容量（同时容纳人数）
organizer-field-gates = 入口，用逗号分隔
organizer-field-title = 片名
organizer-field-original-title = 原片名
organizer-field-countries = 国家（代码，如 VN、TH），用逗号分隔
organizer-field-languages = 语言，用逗号分隔
organizer-field-runtime = 片长（分钟）
organizer-field-director = 导演
organizer-field-kind = 类型
organizer-field-film = 影片
organizer-field-item-title = 标题（留空则用片名）
organizer-field-venue = 场馆
organizer-field-starts = 开始时间
organizer-field-ends = 结束时间
organizer-field-ticket-capacity = 票数（留空则为场馆容量）
organizer-field-max-tickets = 每位观众限购
organizer-field-doors-open = 提前检票（分钟）
organizer-field-late-entry = 开始后允许入场（分钟）
organizer-field-standby-opens = 开始前开放现场候补（分钟）
organizer-field-release = 开始前释放未检的票（分钟；留空则不释放）
organizer-field-reservation-opens = 开始预订（留空则为现在）
organizer-field-reservation-closes = 截止预订（留空则为开始时间）
organizer-field-settled = 仅限注册已满时限的账号预订（影展的账号时长限制）
organizer-kind-screening = 放映
organizer-kind-forum = 论坛
organizer-kind-concert = 音乐会
organizer-kind-other = 其他
organizer-create = 创建
organizer-save = 保存
organizer-edit = 编辑
organizer-new-instead = 改为新建
organizer-created = 已创建 { $name }。
organizer-saved = 已保存 { $name }。
organizer-cancel-item = 取消场次
organizer-cancel-confirm = 取消 { $title }？{ $tickets ->
    [0] 该场次尚未出票。
   *[other] 这将取消其 { $tickets } 张票。
}{ $waiting ->
    [0] 此操作无法撤销。
   *[other] 候补名单将关闭。此操作无法撤销。
}
organizer-cancel-yes = 取消场次
organizer-keep = 保留
organizer-cancelled = 已取消 { $title }{ $tickets ->
    [0] 。
   *[other] ，共 { $tickets } 张票。
}

## 角色

organizer-roles = 角色
organizer-roles-help = 按账号的电子邮箱（对方须先注册）为检票员或其他主办方授予本影展的权限，或将其收回。更改在两秒内生效。
organizer-role-holders = 本影展的角色持有人
organizer-role-holders-none = 本影展尚无人持有角色。
organizer-role-change = 按电子邮箱授予或撤销
organizer-field-role = 角色
organizer-field-role-venue = 场馆（仅限检票员）
organizer-every-venue = 所有场馆
organizer-role-door-staff = 检票员
organizer-role-organizer = 主办方
organizer-role-admin = 管理员（所有影展）
organizer-role-attendee = 观众
organizer-grant = 授予
organizer-revoke = 撤销
organizer-revoke-confirm = 收回 { $email } 的 { $role } 角色？
organizer-role-granted = { $email } 现为{ $role }。
organizer-role-revoked = { $email } 已不再是{ $role }。
organizer-role-now = 现有角色：{ $roles }
organizer-role-none = 仅为观众

## 检票设备

organizer-scanners-title = 检票设备
organizer-scanners-help = 令牌让手机无需个人账号即可在一个场馆检票。签发后，用该手机的相机应用扫描绑定码，检票页面即会打开并可开始检票。
organizer-scanner-new = 签发令牌
organizer-field-label = 标签，如入口和手机编号
organizer-field-label-short = 标签
organizer-field-expires = 到期时间（留空则为 24 小时后；最长 31 天）
organizer-issue = 签发
organizer-issued = 已为 { $label } 签发令牌。
organizer-pairing-title = { $label } 的绑定码
organizer-pairing-alt = 绑定二维码
organizer-pairing-help = 请用将要检票的手机扫描。持有此码者可在本场馆检票，直至令牌过期或被撤销。
organizer-devices = 设备
organizer-col-state = 状态
organizer-col-expires = 到期
organizer-col-last-scan = 最近检票
organizer-device-active = 有效
organizer-device-revoked = 已撤销
organizer-device-expired = 已过期
organizer-never = 从未
organizer-show-qr = 绑定码
organizer-no-devices = 此场馆尚无设备。
organizer-revoke-device-confirm = 撤销 { $label }？该手机将立即停止检票。
organizer-device-revoked-now = 已撤销 { $label }。

## 检票记录

organizer-scans-title = 检票记录
organizer-field-item = 场次
organizer-field-outcome = 结果
organizer-field-gate = 入口
organizer-any-outcome = 所有结果
organizer-any-gate = 所有入口
organizer-col-scanned = 检票时间
organizer-col-outcome = 结果
organizer-col-holder = 持票人
organizer-col-scanner = 检票设备
organizer-scans-summary = 共 { $total } 条，显示 { $shown } 条，最新在前；时间按 { $zone } 显示。
organizer-no-items-at-all = 影展尚无场次。
organizer-offline-scan = 离线
organizer-conflict = 服务器判定不同
organizer-staff-account = 检票员账号
organizer-undo = 撤销入场
organizer-undone = 已撤销 { $holder } 的入场：此票可再次检票。
organizer-more = 更多

## 爽约：影展的规则，以及某位观众的记录

organizer-policy = 未到场与临近开场退票
organizer-policy-help = 入场截止时仍未检票的票，记持票人一次爽约；晚于免责退票时限才退的票，也记一次。设了上限后，观众每达到上限一次，在限制期内就不能预约、加入候补名单或排现场候补。可在“观众”中撤销爽约记录。
organizer-field-no-show-limit = 爽约几次即限制预约（留空则从不限制）
organizer-field-no-show-block-days = 限制天数
organizer-field-cancel-without-penalty = 免责退票时限（开场前分钟数）
organizer-policy-saved = 爽约规则已保存。
organizer-attendees-title = 观众
organizer-policy-summary = 爽约 { $limit } 次即限制预约 { $days } 天；开场前不足 { $minutes } 分钟退票记一次爽约。可在“设置”中更改。
organizer-policy-summary-never = 只记录爽约，从不限制预约（未设上限）；开场前不足 { $minutes } 分钟退票记一次爽约。可在“设置”中更改。
organizer-lookup-title = 查询观众
organizer-lookup-help = 按账号的电子邮箱查询：此人在本影展的未到场和临近开场退票记录，以及能否预约。
organizer-lookup = 查询
organizer-lookup-unknown = 没有使用 { $email } 的账号。
organizer-standing-blocked = 限制至 { $until }（计入 { $count } 次爽约）：不能预约、加入候补名单或排现场候补。
organizer-standing-free = 未受限制：可以预约。计入 { $count } 次爽约。
organizer-standing-none = 在本影展没有未到场或临近开场退票的记录。
organizer-strike-no-show = 未到场
organizer-strike-late-cancellation = 临近开场退票
organizer-strike-at = 记于 { $when }
organizer-strike-forgiven = 已于 { $when } 撤销
organizer-forgive = 撤销
organizer-forgive-confirm = 撤销 { $name } 在《{ $title }》的这次爽约？记录仍会保留，但不再计入；由它导致的限制随之解除，除非其余爽约仍达到上限。
organizer-forgiven = 已撤销 { $name } 在《{ $title }》的爽约。

## 抽签：场次名额从报名者中抽出

organizer-field-allocation = 名额分配方式
organizer-allocation-first-come = 先到先得
organizer-allocation-ballot = 抽签
organizer-field-ballot-opens = 抽签报名开始
organizer-field-ballot-closes = 抽签报名截止并抽签
organizer-field-claim-minutes = 中签者领取时限（分钟，留空为 60）
organizer-ballot-hint = 观众在报名开始到截止之间报名抽签，可单独或与一位同伴报名。截止时抽签，每位中签者在领取时限内领取票，时限须在开场前结束。抽签前无人可以预约；抽签剩余的名额按先到先得预约。
organizer-ballot-drawn-fixed = 已于 { $when } 抽签：名额分配方式不再更改。
organizer-ballot-numbers = { $entries } 个报名 · { $won } 个中签
organizer-ballot-upcoming = { $when } 开始报名
organizer-ballot-open = 报名截止 { $when }
organizer-ballot-closed = 已于 { $when } 截止，尚未抽签
organizer-ballot-drawn = 已于 { $when } 抽签
organizer-ballot-draw = 立即抽签
organizer-ballot-drawn-now = 《{ $title }》已抽签：中签者现在可以领取票。
organizer-ballot-drawn-already = 《{ $title }》已经抽过签了。
