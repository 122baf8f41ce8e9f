// English texts of the warranty pages (same keys in ../zh/warranty.ts).
export default {
  warranty: {},
};
