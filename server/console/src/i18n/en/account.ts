// English texts of the account pages (same keys in ../zh/account.ts).
export default {
  account: {},
};
