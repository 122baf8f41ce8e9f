// English texts of the dispatch pages (same keys in ../zh/dispatch.ts).
export default {
  dispatch: {},
};
