// assets 页面的中文文本（键与 ../en/assets.ts 相同）。
export default {
  assets: {},
};
