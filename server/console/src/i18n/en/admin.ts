// English texts of the admin pages (same keys in ../zh/admin.ts).
export default {
  admin: {},
};
