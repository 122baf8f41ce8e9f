// dispatch 页面的中文文本（键与 ../en/dispatch.ts 相同）。
export default {
  dispatch: {},
};
