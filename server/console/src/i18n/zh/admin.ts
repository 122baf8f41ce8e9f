// admin 页面的中文文本（键与 ../en/admin.ts 相同）。
export default {
  admin: {},
};
