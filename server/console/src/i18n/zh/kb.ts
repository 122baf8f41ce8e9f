// kb 页面的中文文本（键与 ../en/kb.ts 相同）。
export default {
  kb: {},
};
