// What the services say, in the studio's words: their messages name settings by the command line's flags (the CLI
// shows them as they are); here each becomes its field's label (src-shared/settings.ts), and a problem about a setting
// can take the person to that field, focused.

import { nextTick } from 'vue';
import type { Problem } from '../../../src-shared/errors';
import { describeProblem, renderMentions, SETTINGS, type SettingKey, type SettingScreen } from '../../../src-shared/settings';

/** A message from the services with every setting named by its field's label. */
export const say = (text: string): string => renderMentions(text, 'studio');

/** A problem in the studio's words: `Target column “price”: no such column (…)`. */
export const sayProblem = (p: Problem): string => describeProblem(p, 'studio');

export function isSetting(key: unknown): key is SettingKey {
  return typeof key === 'string' && Object.hasOwn(SETTINGS, key);
}

/** The label of a setting's field. */
export const labelOf = (key: SettingKey): string => SETTINGS[key].label;

/** Shows the screen a setting lives on (`show`: the app store's) and focuses its field (data-setting="<key>"). */
export async function focusSetting(key: SettingKey, show: (screen: SettingScreen) => void): Promise<void> {
  show(SETTINGS[key].screen);
  await nextTick();
  const field = document.querySelector<HTMLElement>(`[data-setting="${key}"]`);
  field?.focus();
  field?.scrollIntoView?.({ block: 'nearest' });
}
