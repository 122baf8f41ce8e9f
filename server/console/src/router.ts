// The console's addresses (issue 17: deep links from notifications and
// e-mails). A page opened signed out goes to /login?next=<the page> and comes
// back after sign-in. Each page is its own chunk, loaded when first visited.
import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router';
import { session, refreshAccess } from '@/auth/session';
import { homeFor } from '@/lib/roles';
// The board is where dispatchers spend the day: part of the first load
// (5 KB compressed), so opening it costs no second round of downloads.
import DispatchBoard from '@/views/DispatchBoard.vue';

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  { path: '/', name: 'home', redirect: () => (session.user ? homeFor(session.user.role) : '/login') },
  { path: '/dispatch', name: 'dispatch', component: DispatchBoard },
  { path: '/tickets/:id(\\d+)', name: 'ticket', component: () => import('@/views/TicketView.vue'), props: true },
  { path: '/intake', name: 'intake', component: () => import('@/views/IntakeView.vue') },
  { path: '/warranty', name: 'warranty', component: () => import('@/views/WarrantyDesk.vue') },
  { path: '/lookup', name: 'lookup', component: () => import('@/views/LookupView.vue') },
  { path: '/assets/:id(\\d+)', name: 'asset', component: () => import('@/views/AssetView.vue'), props: true },
  { path: '/customers/:id(\\d+)', name: 'customer', component: () => import('@/views/CustomerView.vue'), props: true },
  { path: '/analytics', name: 'analytics', component: () => import('@/views/AnalyticsView.vue') },
  { path: '/problems', name: 'problems', component: () => import('@/views/ProblemsView.vue') },
  { path: '/problems/:id(\\d+)', name: 'problem', component: () => import('@/views/ProblemView.vue'), props: true },
  { path: '/reports', name: 'reports', component: () => import('@/views/ReportView.vue') },
  { path: '/kb', name: 'kb', component: () => import('@/views/KbView.vue') },
  { path: '/kb/new', name: 'kb-new', component: () => import('@/views/KbEditor.vue') },
  { path: '/kb/:id(\\d+)', name: 'kb-article', component: () => import('@/views/KbArticle.vue'), props: true },
  { path: '/kb/:id(\\d+)/edit', name: 'kb-edit', component: () => import('@/views/KbEditor.vue'), props: true },
  { path: '/assist', name: 'assist', component: () => import('@/views/AssistList.vue') },
  { path: '/assist/:id(\\d+)', name: 'assist-call', component: () => import('@/views/AssistCall.vue'), props: true },
  // The technician's phone page from a single-use join link: no sign-in (the
  // token, then the participant key it is exchanged for, is the credential).
  { path: '/assist/:id(\\d+)/join', name: 'assist-join', component: () => import('@/views/AssistJoin.vue'), props: true, meta: { public: true } },
  { path: '/notifications', name: 'notifications', component: () => import('@/views/NotificationsView.vue') },
  { path: '/settings/notifications', name: 'notification-settings', component: () => import('@/views/NotificationSettingsView.vue') },
  // The link in an escalation's e-mail, SMS or chat message: no sign-in (the
  // token is the credential), and nothing happens until the button is pressed.
  { path: '/ack', name: 'ack', component: () => import('@/views/AckView.vue'), meta: { public: true } },
  { path: '/account', name: 'account', component: () => import('@/views/AccountView.vue') },
  { path: '/admin', redirect: '/admin/users' },
  { path: '/admin/:section(users|regions|service-levels|calendar|qr-keys|webhooks|deliveries|experts|audit)', name: 'admin', component: () => import('@/views/AdminView.vue'), props: true },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/NotFound.vue'), meta: { public: true } },
];

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

let restored = false;

/* Starts loading a route's lazy page now, so its chunk travels while the
 * session is restored instead of after it (vue-router resolves lazy pages
 * only once the guards have passed). */
function preload(to: RouteLocationNormalized): void {
  for (const record of to.matched) {
    const c = record.components?.default;
    if (typeof c === 'function') void (c as () => Promise<unknown>)().catch(() => undefined);
  }
}

router.beforeEach(async (to) => {
  // A reload loses the in-memory token: the refresh cookie brings it back.
  if (!restored) {
    restored = true;
    if (!session.user) {
      const restoring = refreshAccess(); // first: ahead of the chunks
      preload(to);
      await restoring;
    }
  }
  if (to.meta.public) return true;
  if (!session.user) return { name: 'login', query: { next: to.fullPath } };
  return true;
});
