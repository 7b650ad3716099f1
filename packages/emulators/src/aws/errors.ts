/**
 * An error answered the way Secrets Manager answers it: an HTTP status and a JSON body
 * `{"__type": "<Name>", "Message": "..."}` (the SDK reads `__type` as the error's name).
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** Service errors spell it `Message`; the signing front end spells it `message`. */
    readonly messageField: 'Message' | 'message' = 'Message',
  ) {
    super(message);
    this.name = type;
  }

  body(): Record<string, string> {
    return { __type: this.type, [this.messageField]: this.message };
  }
}

export const notFound = (what = "Secrets Manager can't find the specified secret.") =>
  new AwsError('ResourceNotFoundException', what);
export const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);
export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const validation = (message: string) => new AwsError('ValidationException', message, 400, 'message');
export const markedForDeletion = () =>
  invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
