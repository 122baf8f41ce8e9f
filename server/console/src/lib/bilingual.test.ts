import { describe, expect, it } from 'vitest';
import { anyBilingual, inLanguage, splitBilingual } from './bilingual';

describe('splitBilingual', () => {
  it('splits a Chinese title followed by its English one', () => {
    expect(splitBilingual('断路器拒合 Circuit breaker will not close')).toEqual({
      zh: '断路器拒合',
      en: 'Circuit breaker will not close',
    });
  });

  it('keeps a fault code that starts the English part in both', () => {
    expect(splitBilingual('综保装置告警 E-21 Relay alarm E-21: CT circuit abnormal')).toEqual({
      zh: '综保装置告警 E-21',
      en: 'E-21 Relay alarm E-21: CT circuit abnormal',
    });
  });

  it('splits sentences, keeping numbers and units inside the Chinese', () => {
    const text =
      '干式变压器温控器报超温，绕组温度超过 130 ℃。The dry-type transformer alarms; winding above 130 °C.';
    expect(splitBilingual(text)).toEqual({
      zh: '干式变压器温控器报超温，绕组温度超过 130 ℃。',
      en: 'The dry-type transformer alarms; winding above 130 °C.',
    });
  });

  it('keeps numbered steps and Latin units in the Chinese part', () => {
    const text = '1. 检查储能指示。2. 测量合闸线圈电阻（正常约 100 Ω）。Check the spring, measure the coil.';
    expect(splitBilingual(text)?.zh).toBe('1. 检查储能指示。2. 测量合闸线圈电阻（正常约 100 Ω）。');
  });

  it('keeps the search marks with their words', () => {
    expect(splitBilingual('«断路器»拒合 Circuit «breaker» will not close')).toEqual({
      zh: '«断路器»拒合',
      en: 'Circuit «breaker» will not close',
    });
    expect(splitBilingual('断路器«拒合» Circuit breaker will not close')?.zh).toBe('断路器«拒合»');
  });

  it('leaves one-language texts whole', () => {
    expect(splitBilingual('Circuit breaker will not close')).toBeNull();
    expect(splitBilingual('断路器拒合，合闸线圈烧毁')).toBeNull();
    expect(splitBilingual('')).toBeNull();
  });

  it('does not split Chinese that merely ends with a code or a word', () => {
    expect(splitBilingual('更换测温元件 PT100')).toBeNull();
    expect(splitBilingual('检查 OK')).toBeNull();
  });

  it('does not split English that merely mentions a Chinese word at its end', () => {
    expect(splitBilingual('The customer wrote the word in the log: 拒合 then left')).toBeNull();
    expect(splitBilingual('Replace the coil and the contact, then test 合')).toBeNull();
  });

  it('leaves a text that switches languages back and forth whole', () => {
    expect(splitBilingual('Open the cabinet 打开柜门 and check the coil 检查线圈')).toBeNull();
  });
});

describe('inLanguage', () => {
  const title = '变压器温升异常 Transformer over-temperature';
  it('picks the part of the reader’s language', () => {
    expect(inLanguage(title, 'zh-CN')).toBe('变压器温升异常');
    expect(inLanguage(title, 'en')).toBe('Transformer over-temperature');
  });
  it('shows the whole text when asked, or when it does not split', () => {
    expect(inLanguage(title, 'en', true)).toBe(title);
    expect(inLanguage('Only English here', 'zh-CN')).toBe('Only English here');
  });
  it('anyBilingual tells whether a switch is worth showing', () => {
    expect(anyBilingual(['plain', title])).toBe(true);
    expect(anyBilingual(['plain', '中文而已'])).toBe(false);
  });
});
