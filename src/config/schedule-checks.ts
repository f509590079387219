/** Checks on schedules that the schema cannot express. */
import type { ScheduleConfig } from './schema.js';
import type { SemanticIssue } from './semantic.js';

/**
 * A weekly range whose ends are equal (08:00-08:00) is empty: it used to read as "open 24 hours"
 * (an end not after the start crosses midnight), which is never what the clinic meant to write.
 */
export function weeklyIssues(id: string, schedule: ScheduleConfig): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  for (const [day, ranges] of Object.entries(schedule.weekly)) {
    (ranges ?? []).forEach((range, i) => {
      const [from, to] = range.split('-');
      if (from !== to) return;
      issues.push({
        path: ['schedules', id, 'weekly', day, i],
        code: 'empty-range',
        message: `${range} starts and ends at the same time, so it is not clear what is open; write 00:00-24:00 for open all day, or leave ${day} out for closed`,
      });
    });
  }
  return issues;
}
