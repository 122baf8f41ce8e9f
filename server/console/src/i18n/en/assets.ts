// English texts of the assets pages (same keys in ../zh/assets.ts).
export default {
  assets: {},
};
