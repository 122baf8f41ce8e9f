// analytics 页面的中文文本（键与 ../en/analytics.ts 相同）。
export default {
  analytics: {},
};
