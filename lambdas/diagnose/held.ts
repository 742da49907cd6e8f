/**
 * Which SNS-delivered alarm notifications page (docs/diagnosis.md "Maintenance windows"). The alarms of a
 * processor with maintenance windows act on the internal held-alarms topic, which the diagnose function
 * subscribes to. CloudWatch publishes there on every ALARM outside a window (the EventBridge event already paged
 * that one: ignored here) and, when a window ends with the alarm still in ALARM, the action the window's mute
 * rule held back: the only news the function gets that the window ended. That held notification pages, once.
 *
 * A notification is held when its ALARM began inside one of the processor's windows that has ended by now;
 * CloudWatch runs a held action only while the alarm is still in the state it was held in, so a held ALARM
 * notification means the failure outlasted the maintenance.
 */
import { activeMaintenance, type MaintenanceWindow } from '../core/config/maintenance';
import { type AlarmStateChange, parseAlarmTime } from '../core/diagnosis/notification';

/** The window a held notification outlasted (for the page's text). */
export interface OutlastedWindow {
  readonly index: number;
  readonly reason: string;
  /** When the window ended (ISO 8601). */
  readonly end: string;
}

export type HeldDecision =
  | { readonly page: true; readonly window: OutlastedWindow }
  | { readonly page: false; readonly reason: string };

/** Whether an SNS-delivered notification of `processor`'s alarm is a held one that must page, at `now` (epoch ms). */
export function heldNotification(
  alarm: AlarmStateChange,
  processor: string,
  windows: readonly MaintenanceWindow[],
  now: number,
): HeldDecision {
  if (alarm.state.value !== 'ALARM') {
    return {
      page: false,
      reason: `notification of ${alarm.alarmName}: ${alarm.state.value} is not a held ALARM (the EventBridge event handles it)`,
    };
  }
  const began = parseAlarmTime(alarm.state.timestamp)?.getTime();
  if (began === undefined) {
    return {
      page: false,
      reason: `notification of ${alarm.alarmName}: unreadable StateChangeTime "${alarm.state.timestamp}"`,
    };
  }
  const hold = activeMaintenance(windows, processor, began);
  if (!hold) {
    return {
      page: false,
      reason: `notification of ${alarm.alarmName}: its ALARM began outside ${processor}'s maintenance windows (the EventBridge event paged it)`,
    };
  }
  const end = new Date(hold.end).toISOString();
  if (now < hold.end) {
    return {
      page: false,
      reason: `notification of ${alarm.alarmName}: maintenance[${hold.window.index}] (${hold.window.reason}) lasts until ${end}: no page`,
    };
  }
  return { page: true, window: { index: hold.window.index, reason: hold.window.reason, end } };
}
