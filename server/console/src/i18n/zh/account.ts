// account 页面的中文文本（键与 ../en/account.ts 相同）。
export default {
  account: {},
};
