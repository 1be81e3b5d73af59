# 扫码后检票员读出的提示（简体中文）。变量见 en/door.ftl。

door-weekday = { $weekday ->
    [1] 周一
    [2] 周二
    [3] 周三
    [4] 周四
    [5] 周五
    [6] 周六
   *[7] 周日
}
door-month = { $month }
door-when = { $today ->
    [yes] { $time }
   *[no] { door-month }月{ $day }日（{ door-weekday }）{ $time }
}
door-day = { door-month }月{ $day }日（{ door-weekday }）{ $time }

door-admitted = 准许入场：{ $holder }，{ $title }，{ door-when }开始。
door-already-checked-in = 此票已检过。
door-already-checked-in-when = 此票已于{ door-when }检过。
door-already-checked-in-at-gate = 此票已于{ door-when }在{ $gate }入口检过。
door-invalid-code = 无效票：二维码无法识别或系伪造。
door-retired-key = 此码已失效：签发它的密钥已停用。请持票人在应用中重新打开电子票，出示新的二维码。
door-unknown-ticket = 未知票：这不是本电影节的票。
door-cancelled = 此票已取消。
door-item-cancelled = { $title }已取消。
door-wrong-venue = 场馆不符：此票为{ $venue }的{ $title }，{ door-day }。
door-wrong-item = 场次不符：此票为本场馆{ door-day }的{ $title }。
door-too-early = 太早了：{ $title }于{ door-when }开始检票。
door-too-late = 太晚了：{ $title }已于{ door-when }停止入场。
door-venue-full = { $venue }已满：{ $title }场内已有{ $people }人。
door-released = 已释放：此{ $title }的票未在{ $time }前检票，未检的票已转给候补队列。持票人可排候补。
door-released-earlier = 已释放：此{ $title }的票已转给候补队列。持票人可排候补。

## 检票页面（/door）：检票员手机上看到的文字。

door-outcome-admitted = 准许入场
door-outcome-already-checked-in = 已检过
door-outcome-invalid-code = 无效码
door-outcome-unknown-ticket = 未知票
door-outcome-cancelled = 已取消
door-outcome-item-cancelled = 场次已取消
door-outcome-wrong-venue = 场馆不符
door-outcome-wrong-item = 场次不符
door-outcome-too-early = 太早
door-outcome-too-late = 太晚
door-outcome-venue-full = 场馆已满
door-outcome-released = 已释放

# 手机离线时自行判定，无法得知持票人姓名。
door-offline-admitted = 离线准许入场：{ $title }，{ door-when }开始。
door-offline-not-here = 此票不属于本场馆今后的任何场次。

door-page-title = Usher 检票
door-page-language = 语言
door-page-pair-title = 绑定此手机
door-page-pair-help = 用手机相机扫描主办方出示的绑定二维码，或用您自己的检票员账号登录。
door-page-email = 电子邮箱
door-page-password = 密码
door-page-sign-in = 登录
door-page-pairing-refused = 此手机的绑定已失效（已撤销或过期）。请向主办方索取新的绑定码。
door-page-no-door-role = 此账号无权在任何场馆检票。请向主办方申请检票员角色。
door-page-choose-venue = 请选择您所在的场馆
door-page-unpair = 解除绑定
door-page-venue = 场馆
door-page-item = 场次
door-page-item-any = 本场馆任意场次
door-page-gate = 入口
door-page-gate-none = 不指定入口
door-page-code = 票码
door-page-check = 检票
door-page-start-camera = 打开相机
door-page-camera-failed = 此处无法使用相机（{ $reason }）。请输入或粘贴票码，或使用扫码枪。
door-page-in = 已入场 { $admitted } / { $capacity }
door-page-online = 在线
door-page-offline = 离线
door-page-offline-banner = 离线：由此手机自行判定。{ $pending } 条检票记录待上传。
door-page-pending = { $pending } 条检票记录待上传。
door-page-decided-offline = 由此手机离线判定
door-page-tap-to-continue = 轻触继续检下一张票
door-page-undo = 撤销
door-page-undone = 已撤销入场。
door-page-conflicts = 服务器的判定与离线判定不同
door-page-clear = 清除
door-page-no-items = 本场馆今后没有场次。
door-page-error = 出错了：{ $message }

## 检票页面上的候补队列：现场发号，按号叫入。

door-page-standby = 候补队列
door-page-standby-places = 尚可入场 { $places } 人
door-page-standby-opens = 候补队列于{ door-when }开放。
door-page-standby-closed = 候补队列已于{ door-when }关闭。
door-page-standby-call-from = 现在可以发号；检票开始（{ door-when }）后才能叫号入场。
door-page-standby-offline = 离线：候补队列需要联网。
door-page-standby-count = 叫号数
door-page-standby-call = 叫号入场
door-page-standby-fit = 排队的 { $waiting } 个号中，现在可入场 { $fit } 个。
door-page-standby-called = 已叫号入场：{ $places } 个号，共 { $people } 人。请放行。
door-page-standby-none-called = 没有空位：未叫到任何号。
door-page-standby-add-title = 为现场观众发号
door-page-standby-name = 姓名
door-page-standby-quantity = 人数
door-page-standby-add = 发号
door-page-standby-their-number = 其号码
door-page-standby-people = { $people } 人
door-page-standby-walk-up-tag = 现场发号
door-page-standby-online-tag = 应用内排队
door-page-standby-waiting = { $places ->
    [0] 无人排队。
   *[other] 排队中：{ $places } 个号，共 { $people } 人
}
