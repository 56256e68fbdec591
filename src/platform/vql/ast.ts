/**
 * The VQL syntax tree. Every node is a readonly object with a `kind` literal and the source position
 * of its first token, so semantic errors can point at the text the user wrote.
 */

export interface SourcePosition {
  /** 1-based line. */
  readonly line: number
  /** 1-based column. */
  readonly column: number
  /** 0-based character offset. */
  readonly offset: number
}

export const COMPARISON_OPERATORS = ['=', '!=', '<', '>', '<=', '>='] as const
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number]

export const FROM_OPTIONS = ['ALLVERSIONS', 'LATESTVERSION', 'FAVORITES', 'RECENT'] as const
export type FromOption = (typeof FROM_OPTIONS)[number]

export const SHOW_SUBJECTS = ['TARGETS', 'FIELDS', 'RELATIONSHIPS'] as const
export type ShowSubject = (typeof SHOW_SUBJECTS)[number]

export const PAGING_CLAUSES = ['MAXROWS', 'SKIP', 'PAGESIZE', 'PAGEOFFSET', 'LIMIT', 'OFFSET'] as const
export type PagingClause = (typeof PAGING_CLAUSES)[number]

export const FIND_SCOPES = ['ALL', 'CONTENT', 'PROPERTIES'] as const
export type FindScopeKeyword = (typeof FIND_SCOPES)[number]

// ---------- values and operands ----------

/** A field, or a dotted outbound lookup (`case__vr.name__v`). */
export interface FieldRefNode {
  readonly kind: 'fieldRef'
  readonly path: string
  readonly pos: SourcePosition
}

/** `TONAME(x)`, `STATETYPE('x')`, `STEADYSTATE()`; `name` is upper case. */
export interface FunctionCallNode {
  readonly kind: 'functionCall'
  readonly name: string
  readonly args: readonly ValueNode[]
  readonly pos: SourcePosition
}

export interface StringLiteralNode {
  readonly kind: 'string'
  /** The decoded value. */
  readonly value: string
  /** The text between the quotes as written; LIKE and FIND read their wildcards and escapes from it. */
  readonly raw: string
  readonly pos: SourcePosition
}

export interface NumberLiteralNode {
  readonly kind: 'number'
  readonly value: number
  readonly pos: SourcePosition
}

export interface BooleanLiteralNode {
  readonly kind: 'boolean'
  readonly value: boolean
  readonly pos: SourcePosition
}

export interface NullLiteralNode {
  readonly kind: 'null'
  readonly pos: SourcePosition
}

/** `TODAY`, `LAST_DAYS:7`; `name` is upper case. */
export interface DateLiteralNode {
  readonly kind: 'dateLiteral'
  readonly name: string
  readonly n?: number
  readonly pos: SourcePosition
}

export type LiteralNode =
  | StringLiteralNode
  | NumberLiteralNode
  | BooleanLiteralNode
  | NullLiteralNode
  | DateLiteralNode
export type OperandNode = FieldRefNode | FunctionCallNode
export type ValueNode = LiteralNode | OperandNode

// ---------- WHERE ----------

export interface AndNode {
  readonly kind: 'and'
  readonly left: ExpressionNode
  readonly right: ExpressionNode
  readonly pos: SourcePosition
}

export interface OrNode {
  readonly kind: 'or'
  readonly left: ExpressionNode
  readonly right: ExpressionNode
  readonly pos: SourcePosition
}

/** Parentheses are kept so the printer reproduces the user's grouping. */
export interface ParenNode {
  readonly kind: 'paren'
  readonly inner: ExpressionNode
  readonly pos: SourcePosition
}

export interface ComparisonNode {
  readonly kind: 'comparison'
  readonly operator: ComparisonOperator
  readonly left: OperandNode
  readonly right: ValueNode
  readonly pos: SourcePosition
}

export interface BetweenNode {
  readonly kind: 'between'
  readonly operand: OperandNode
  readonly low: ValueNode
  readonly high: ValueNode
  readonly pos: SourcePosition
}

export interface InListNode {
  readonly kind: 'inList'
  readonly operand: OperandNode
  readonly values: readonly ValueNode[]
  readonly pos: SourcePosition
}

export interface InSubqueryNode {
  readonly kind: 'inSubquery'
  readonly operand: OperandNode
  readonly query: SelectStatementNode
  readonly pos: SourcePosition
}

export interface ContainsNode {
  readonly kind: 'contains'
  readonly operand: OperandNode
  readonly values: readonly ValueNode[]
  readonly pos: SourcePosition
}

export interface LikeNode {
  readonly kind: 'like'
  readonly operand: OperandNode
  readonly pattern: StringLiteralNode
  readonly pos: SourcePosition
}

export interface IsNullNode {
  readonly kind: 'isNull'
  readonly operand: OperandNode
  readonly negated: boolean
  readonly pos: SourcePosition
}

export type ExpressionNode =
  | AndNode
  | OrNode
  | ParenNode
  | ComparisonNode
  | BetweenNode
  | InListNode
  | InSubqueryNode
  | ContainsNode
  | LikeNode
  | IsNullNode
export type ExpressionKind = ExpressionNode['kind']

// ---------- FIND ----------

export interface FindTermNode {
  readonly kind: 'findTerm'
  readonly term: StringLiteralNode
  /** A scope keyword, or the fields to search. Absent means PROPERTIES. */
  readonly scope?: FindScopeKeyword | readonly string[]
  readonly pos: SourcePosition
}

export interface FindAndNode {
  readonly kind: 'findAnd'
  readonly left: FindNode
  readonly right: FindNode
  readonly pos: SourcePosition
}

export interface FindOrNode {
  readonly kind: 'findOr'
  readonly left: FindNode
  readonly right: FindNode
  readonly pos: SourcePosition
}

export interface FindNotNode {
  readonly kind: 'findNot'
  readonly inner: FindNode
  readonly pos: SourcePosition
}

export interface FindParenNode {
  readonly kind: 'findParen'
  readonly inner: FindNode
  readonly pos: SourcePosition
}

export type FindNode = FindTermNode | FindAndNode | FindOrNode | FindNotNode | FindParenNode

// ---------- statements ----------

export interface SelectFieldNode {
  readonly kind: 'selectField'
  readonly value: OperandNode
  readonly alias?: string
  /** `SELECT LATESTVERSION x FROM ALLVERSIONS documents`. */
  readonly latestVersion?: boolean
  readonly pos: SourcePosition
}

export interface SelectSubqueryNode {
  readonly kind: 'selectSubquery'
  readonly query: SelectStatementNode
  readonly alias?: string
  readonly pos: SourcePosition
}

export type SelectItemNode = SelectFieldNode | SelectSubqueryNode

export interface OrderByNode {
  readonly kind: 'orderBy'
  readonly value: OperandNode
  readonly direction?: 'ASC' | 'DESC'
  readonly nulls?: 'FIRST' | 'LAST'
  readonly pos: SourcePosition
}

export interface PagingClauseNode {
  readonly kind: 'paging'
  readonly clause: PagingClause
  readonly value: number
  readonly pos: SourcePosition
}

export interface SelectStatementNode {
  readonly kind: 'select'
  readonly items: readonly SelectItemNode[]
  readonly target: string
  readonly targetPos: SourcePosition
  readonly fromOption?: FromOption
  readonly find?: FindNode
  readonly where?: ExpressionNode
  readonly orderBy: readonly OrderByNode[]
  readonly paging: readonly PagingClauseNode[]
  readonly pos: SourcePosition
}

export interface ShowStatementNode {
  readonly kind: 'show'
  readonly subject: ShowSubject
  readonly target?: string
  readonly like?: StringLiteralNode
  readonly pos: SourcePosition
}

export type VqlStatement = SelectStatementNode | ShowStatementNode

export type VqlNode =
  | VqlStatement
  | SelectItemNode
  | OrderByNode
  | PagingClauseNode
  | ExpressionNode
  | FindNode
  | ValueNode
export type VqlNodeKind = VqlNode['kind']
