import { errorCode, errorMessage } from './errors.ts';
import { api, type SignedInUser } from './trpc.ts';
import type { Role } from '@milepost/model';

/** The signed-in user, loaded once at start and changed by signing in and out. */
class Session {
  user = $state<SignedInUser | null>(null);
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);

  async load(): Promise<void> {
    this.status = 'loading';
    try {
      this.user = await api.auth.me.query();
      this.status = 'ready';
    } catch (error) {
      if (errorCode(error) === 'UNAUTHORIZED') {
        this.user = null;
        this.status = 'ready';
      } else {
        this.error = errorMessage(error);
        this.status = 'error';
      }
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    this.user = await api.auth.login.mutate({ email, password });
  }

  async signOut(): Promise<void> {
    await api.auth.logout.mutate();
    this.user = null;
  }

  /** Tells whether the user has one of `roles`. */
  can(...roles: Role[]): boolean {
    return this.user !== null && roles.includes(this.user.role);
  }
}

export const session = new Session();
