import { ParseUUIDPipe } from '@nestjs/common';
import { IncidentErrors } from '@ledger/domain';

export const incidentIdPipe = new ParseUUIDPipe({ exceptionFactory: () => IncidentErrors.notFound('with that id') });
