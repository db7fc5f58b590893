import { defineConnector } from '../shared/connector.ts'
import { probeHelpdesk } from './client.ts'
import { reply } from './effects.ts'
import { messagesResource, onMessageReceived } from './sync-messages.ts'

/** The helpdesk mailbox: customer mail in (tickets), agent replies out. See README.md. */
export const helpdeskConnector = defineConnector({
  key: 'helpdesk',
  probe: probeHelpdesk,
  resources: { messages: messagesResource },
  webhookTopics: { 'message.received': onMessageReceived },
  effects: { 'helpdesk.reply': reply },
})
