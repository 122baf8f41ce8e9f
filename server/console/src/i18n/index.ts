// Chinese and English (README, "Web console"): the choice is remembered in
// localStorage (a preference, never a credential) and defaults to the
// browser's language. Each area's texts live in i18n/<lang>/<area>.ts; add a
// new area to both maps below. A missing key is recorded in
// window.__ftMissingKeys, which the browser tests assert stays empty.
import { createI18n } from 'vue-i18n';
import enCommon from './en/common';
import zhCommon from './zh/common';
import enDispatch from './en/dispatch';
import zhDispatch from './zh/dispatch';
import enWarranty from './en/warranty';
import zhWarranty from './zh/warranty';
import enAssets from './en/assets';
import zhAssets from './zh/assets';
import enKb from './en/kb';
import zhKb from './zh/kb';
import enAccount from './en/account';
import zhAccount from './zh/account';
import enAnalytics from './en/analytics';
import zhAnalytics from './zh/analytics';
import enAdmin from './en/admin';
import zhAdmin from './zh/admin';
import enNotify from './en/notify';
import zhNotify from './zh/notify';
import enCustomer from './en/customer';
import zhCustomer from './zh/customer';
import enAssist from './en/assist';
import zhAssist from './zh/assist';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: Locale[] = ['zh-CN', 'en'];

export const messages = {
  en: { ...enCommon, ...enDispatch, ...enWarranty, ...enAssets, ...enKb, ...enAccount, ...enAnalytics, ...enAdmin, ...enNotify, ...enAssist, ...enCustomer },
  'zh-CN': { ...zhCommon, ...zhDispatch, ...zhWarranty, ...zhAssets, ...zhKb, ...zhAccount, ...zhAnalytics, ...zhAdmin, ...zhNotify, ...zhAssist, ...zhCustomer },
};

const STORAGE_KEY = 'fieldtrace.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

declare global {
  interface Window {
    __ftMissingKeys?: string[];
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: false,
  messages,
  missing: (locale, key) => {
    (window.__ftMissingKeys ??= []).push(`${locale}:${key}`);
    return key;
  },
  missingWarn: false,
  fallbackWarn: false,
});

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l;
  localStorage.setItem(STORAGE_KEY, l);
  document.documentElement.lang = l;
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}
