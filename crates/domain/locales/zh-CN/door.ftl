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
