import { DomainError } from '../src/shared/domain-error.js';

/** given(events).when(command).then(events | error): aggregate specs that read like the policy. */
export function decider<State, Event, Command>(spec: {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initial: State;
}) {
  return (given: Event[]) => ({
    when: (command: Command) => {
      const state = given.reduce(spec.evolve, spec.initial);
      const run = (): Event[] => spec.decide(command, state);
      return {
        then: (expected: Event[]): void => {
          expect(run()).toEqual(expected);
        },
        thenRefuses: (code: string, paths: string[] = []): void => {
          let caught: unknown;
          try {
            run();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(DomainError);
          expect((caught as DomainError).code).toBe(code);
          expect((caught as DomainError).fields.map((f) => f.path).sort()).toEqual([...paths].sort());
        },
      };
    },
  });
}
