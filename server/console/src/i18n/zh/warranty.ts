// warranty 页面的中文文本（键与 ../en/warranty.ts 相同）。
export default {
  warranty: {},
};
