import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideDataSubject, victimSubject } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import { DataKeyVault } from '@ledger/protection';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { DataSubjectStream } from '../../../streams/data-subject-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { RecordVictimAliveCommand } from './record-victim-alive.command.js';

@CommandHandler(RecordVictimAliveCommand)
export class RecordVictimAliveHandler implements ICommandHandler<RecordVictimAliveCommand> {
  constructor(
    private readonly claims: ClaimLedger,
    private readonly vault: DataKeyVault,
  ) {}

  /**
   * VictimFoundAlive and the victim's PersonalDataErased are one commit; the key is destroyed
   * after it (an interruption in between is finished at the next start, as for any erasure).
   */
  async execute({ request, claimId, body }: RecordVictimAliveCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const subject = victimSubject(claimId);
    const outcome = await this.claims.run(
      request,
      claimId,
      () => ({ command: { type: 'RecordVictimFoundAlive', justification: body.justification }, extras: { erasedSubject: subject } }),
      {
        otherStreams: [DataSubjectStream.id(subject)],
        alongside: async ({ tx, context }) => {
          const { state, version } = await DataSubjectStream.load(tx, subject);
          if (state.erased) return;
          const events = decideDataSubject({ type: 'Erase', subject, reason: 'the victim was found alive' }, state, context);
          tx.append(DataSubjectStream.id(subject), DataSubjectStream.type, version, events.map(DataSubjectStream.toNewEvent));
        },
      },
    );
    await this.vault.erase(subject);
    return outcome;
  }
}
