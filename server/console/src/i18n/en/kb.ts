// English texts of the kb pages (same keys in ../zh/kb.ts).
export default {
  kb: {},
};
