// English texts of the analytics pages (same keys in ../zh/analytics.ts).
export default {
  analytics: {},
};
