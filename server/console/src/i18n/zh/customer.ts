// 客户 360 视图的中文文本（键与 ../en/customer.ts 相同）。
export default {
  customer: {
    asOf: '数据截至 {time}',
    risk: {
      title: '风险',
      level: { none: '暂无风险信号', medium: '存在风险', high: '高风险' },
      since: '统计 {date} 以来的超时与低分',
      outOfCover: '脱保设备',
      breaches: 'SLA 超时',
      lowScores: '评分 ≤ 2',
      shown: '显示 {shown} / 共 {count}',
    },
    units: {
      title: '设备',
      total: '共 {n} 台',
      cover: { warranty: '质保期内', contract: '合同保障', none: '脱保' },
      col: { serial: '序列号', model: '型号', site: '站点', warranty: '质保', end: '质保到期', cover: '保障来源' },
      more: '加载更多设备',
    },
    contracts: {
      title: '生效中的合同',
      none: '暂无生效合同。',
      period: '{start} 至 {end}',
      visits: '本合同年度上门次数',
      visitsUsed: '已用 {used} / {allowed} 次',
      visitsUnlimited: '已用 {used} 次，不限次数',
      kind: { service: '服务合同', warranty_extension: '延保合同' },
    },
    requests: {
      open: '未完成的服务请求',
      recent: '近 90 天的服务请求',
      none: '无。',
      shown: '显示 {shown} / 共 {total}',
      sla: { running: '进行中', paused: '已暂停', breached: '已超时', met: '已达标', cancelled: '已取消' },
      target: { response: '响应', arrival: '到场', resolution: '解决' },
    },
    satisfaction: {
      title: '近 12 个月满意度',
      average: '平均 {avg} 分（满分 5）',
      noScores: '近 12 个月暂无评分。',
      month: '{month}：{n} 条评分，平均 {avg}',
      monthNone: '{month}：暂无评分',
    },
    renewals: {
      title: '续保记录',
      none: '暂无续保记录。',
      renews: '续 {number}',
      unit: '设备 {serial}',
    },
    problems: {
      title: '涉及其设备的未关闭问题',
      none: '暂无未关闭问题。',
      units: '涉及其 {n} 台设备',
      status: { open: '待处理', investigating: '调查中', corrective_action: '整改中' },
    },
  },
};
