import type { Role } from '@milepost/model';

export interface Section {
  path: string;
  label: string;
  roles: readonly Role[];
}

/** The sections of the app and the roles that may open them. */
export const SECTIONS: readonly Section[] = [
  { path: '/workflows', label: 'Workflows', roles: ['admin', 'lead'] },
  { path: '/playbooks', label: 'Playbooks', roles: ['admin', 'lead', 'csm'] },
  { path: '/alert-types', label: 'Alert types', roles: ['admin', 'lead'] },
  { path: '/tasks', label: 'Tasks', roles: ['admin', 'lead', 'csm'] },
  { path: '/accounts', label: 'Accounts', roles: ['admin', 'lead', 'csm'] },
  { path: '/reports', label: 'Reports', roles: ['admin', 'lead'] },
  { path: '/settings', label: 'Settings', roles: ['admin'] },
];

export function sectionsFor(role: Role): Section[] {
  return SECTIONS.filter((section) => section.roles.includes(role));
}

/** Returns the page a user lands on after signing in. */
export function homePath(role: Role): string {
  return role === 'csm' ? '/tasks' : '/workflows';
}
