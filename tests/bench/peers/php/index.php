<?php
// The PHP peer of `./devstack bench --peers`: stocktake's S1, S2 and S4 with PHP-FPM and PDO.
//
// The same work as the C handler: the bearer JWT (HS256, the devstack's key, the same claims
// checks), the caller's user row read along with the first statement, the statements of
// ../statements.json in the C handler's order (the pick's first CALL opens its transaction, COMMIT
// ends it, its locks in the same order), and the same JSON envelope. Only the success paths the bench takes and
// their refusals; a pick only. Debian has no JWT library for PHP: HS256 is checked here with
// hash_hmac and hash_equals.
//
// PDO as PHP applications use it: a persistent connection per FPM worker (the worker's pool of
// one), emulated prepares (PDO's default for MySQL): one round trip per statement, where server
// prepares would take three, since a statement does not outlive its PHP request.
declare(strict_types=1);

const BASE = '/warehousing/inventory-transactions';
const READ_SCOPES = ['view:tenant', 'manage:operations:tenant'];
const WRITE_SCOPES = ['manage:operations:tenant'];
const TYPES = ['initial_stock', 'receive', 'pick', 'move', 'stock_adjustment', 'return', 'count'];
const REFERENCE_TYPES = ['order', 'shipment', 'audit', 'return', 'transfer'];
const UUID = '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i';
const PICK_FIELDS = ['warehouse_id', 'item_id', 'stock_id', 'transaction_type', 'quantity',
    'from_bin_id', 'reference_id', 'reference_type', 'notes'];

final class Refusal extends Exception
{
    public function __construct(public int $status, string $message)
    {
        parent::__construct($message);
    }
}

/** var/stocktake.conf as key => value, and the statements; read once per request (opcache keeps the code). */
function config(): array
{
    static $c = null;
    if ($c === null) {
        $c = [];
        foreach (file(getenv('PEER_CONFIG') ?: $_SERVER['PEER_CONFIG']) as $line) {
            if (preg_match('/^\s*(\w+)\s*=\s*(.*?)\s*$/', $line, $m)) {
                $c[$m[1]] = $m[2];
            }
        }
        $c['key'] = rtrim(file_get_contents($c['jwt_secret_file']));
        $c['sql'] = json_decode(file_get_contents(__DIR__ . '/../statements.json'), true);
    }
    return $c;
}

function db(): PDO
{
    $c = config();
    return new PDO("mysql:unix_socket={$c['db_socket']};dbname={$c['db_name']};charset=utf8mb4",
        $c['db_user'], $c['db_password'],
        [PDO::ATTR_PERSISTENT => true, PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
}

/** [rows (numbered), column names] of one statement of statements.json. */
function run(PDO $db, string $name, array $params): array
{
    $st = $db->prepare(config()['sql'][$name]);
    foreach ($params as $i => $v) {
        $st->bindValue($i + 1, $v, is_int($v) ? PDO::PARAM_INT : (is_null($v) ? PDO::PARAM_NULL : PDO::PARAM_STR));
    }
    $st->execute();
    $rows = $st->fetchAll(PDO::FETCH_NUM);
    $names = [];
    for ($i = 0; $i < $st->columnCount(); $i++) {
        $names[] = $st->getColumnMeta($i)['name'];
    }
    $st->closeCursor(); // a CALL's results end with one more: the connection is free only after it
    return [$rows, $names];
}

function b64url(string $s): string|false
{
    return base64_decode(strtr($s, '-_', '+/'), true);
}

/** The verified claims of the request's bearer token. */
function caller(): array
{
    if (!preg_match('/^\s*Bearer[ \t]+(\S+)\s*$/i', $_SERVER['HTTP_AUTHORIZATION'] ?? '', $m)) {
        throw new Refusal(401, 'Authentication required');
    }
    $c = config();
    $parts = explode('.', $m[1]);
    if (count($parts) !== 3) {
        throw new Refusal(401, 'Invalid token');
    }
    $head = json_decode((string) b64url($parts[0]), true);
    $claims = json_decode((string) b64url($parts[1]), true);
    $sig = b64url($parts[2]);
    $want = hash_hmac('sha256', "$parts[0].$parts[1]", $c['key'], true);
    $now = time();
    if (!is_array($head) || ($head['alg'] ?? null) !== 'HS256' || !is_string($sig) || !hash_equals($want, $sig)
        || !is_array($claims) || !is_int($claims['exp'] ?? null) || ($claims['iss'] ?? null) !== $c['jwt_issuer']
        || !in_array($c['jwt_audience'], (array) ($claims['aud'] ?? []), true)
        || !is_string($claims['sub'] ?? null) || $claims['sub'] === ''
        || !is_string($claims['tenant_id'] ?? null) || $claims['tenant_id'] === ''
        || !is_string($claims['scope'] ?? '') || (isset($claims['nbf']) && $claims['nbf'] > $now)
        || (isset($claims['iat']) && $claims['iat'] > $now + 60)) {
        throw new Refusal(401, 'Invalid token');
    }
    if ($claims['exp'] <= $now) {
        throw new Refusal(401, 'Token expired');
    }
    return $claims;
}

/** Admits the user row read with a statement (null: no such user) for the route's scopes. */
function admit(array $c, ?string $text, array $routeScopes): void
{
    if ($text === null) {
        throw new Refusal(401, 'Invalid token');
    }
    [$status, $tenantStatus, $validAfter, $scopes] = explode("\x1f", $text);
    if ($status !== 'active' || $tenantStatus !== 'active') {
        throw new Refusal(401, 'User disabled');
    }
    if (($c['iat'] ?? 0) < (int) $validAfter) {
        throw new Refusal(401, 'Invalid token');
    }
    $mine = array_intersect(explode(' ', $c['scope'] ?? ''), explode(' ', $scopes));
    if (!array_intersect($mine, $routeScopes)) {
        throw new Refusal(403, 'Insufficient permissions');
    }
}

/** The user row on its own, when the statement that carried it found no row. */
function admitAlone(PDO $db, array $c, array $routeScopes): void
{
    [$rows] = run($db, 'user_row', [$c['sub'], $c['tenant_id']]);
    admit($c, $rows ? implode("\x1f", array_map('strval', $rows[0])) : null, $routeScopes);
}

/** Takes the last column (_caller, _stats) out of the rows: its value, false when there is no row. */
function takeProbe(array &$rows, array &$names): string|int|null|false
{
    array_pop($names);
    $probe = $rows ? $rows[0][count($names)] : false;
    foreach ($rows as &$r) {
        array_pop($r);
    }
    return $probe;
}

/** Columns [from, to) of a row; labels "a.b" nest, a nested record of NULLs is null. */
function rowJson(array $names, array $row, int $from = 0, ?int $to = null): array
{
    $out = [];
    for ($i = $from; $i < ($to ?? count($names)); $i++) {
        $v = $row[$i];
        if (is_string($v) && preg_match('/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)/', $v, $m)) {
            $v = "$m[1]T$m[2]Z";
        }
        $dot = strpos($names[$i], '.');
        if ($dot === false) {
            $out[$names[$i]] = $v;
            continue;
        }
        $key = substr($names[$i], 0, $dot);
        $out[$key] ??= null;
        if ($v !== null) {
            $out[$key][substr($names[$i], $dot + 1)] = $v;
        }
    }
    return $out;
}

function getOne(string $id): array
{
    $c = caller();
    if (!preg_match(UUID, $id)) {
        throw new Refusal(404, 'Transaction not found');
    }
    $db = db();
    [$rows, $names] = run($db, 'get', [$c['sub'], $c['tenant_id'], $c['tenant_id'], strtolower($id)]);
    $probe = takeProbe($rows, $names);
    if ($probe === false) {
        admitAlone($db, $c, READ_SCOPES);
        throw new Refusal(404, 'Transaction not found');
    }
    admit($c, $probe, READ_SCOPES);
    return [200, ['success' => true, 'message' => 'Transaction retrieved successfully',
        'inventory_transaction' => rowJson($names, $rows[0])]];
}

function intParam(string $name, int $default, int $high): int
{
    $v = $_GET[$name] ?? null;
    if ($v === null) {
        return $default;
    }
    if (!ctype_digit($v) || (int) $v < 1 || (int) $v > $high) {
        throw new Refusal(400, "Invalid $name");
    }
    return (int) $v;
}

/** The list filtered by warehouse and type, newest first (the bench's S2). */
function listPage(): array
{
    $c = caller();
    $page = intParam('page', 1, 1000000000);
    $limit = intParam('limit', 20, 100);
    $type = $_GET['transaction_type'] ?? null;
    $wh = $_GET['warehouse_id'] ?? '';
    if (!in_array($type, TYPES, true)) {
        throw new Refusal(400, 'Invalid transaction type');
    }
    if (!preg_match(UUID, $wh)) {
        throw new Refusal(404, 'Warehouse not found');
    }
    $wh = strtolower($wh);
    $t = $c['tenant_id'];
    $db = db();
    [$rows, $names] = run($db, 'list_page',
        [$c['sub'], $t, $t, $wh, $type, $t, $wh, $type, $limit, ($page - 1) * $limit]);
    $count = takeProbe($rows, $names);
    $probe = takeProbe($rows, $names);
    $probe === false ? admitAlone($db, $c, READ_SCOPES) : admit($c, $probe, READ_SCOPES);
    if (!$rows || $rows[0][array_search('warehouse.id', $names, true)] === null) {
        [$found] = run($db, 'warehouse_check', [$t, $wh]);
        if (!$found) {
            throw new Refusal(404, 'Warehouse not found');
        }
    }
    // The stats ride on the page's rows; an empty page reads them on their own.
    [$counts] = $count === false ? run($db, 'list_counts', [$t, $wh, $type]) : [[[$type, $count ?? 0]]];
    $stats = ['total' => 0] + array_fill_keys(TYPES, 0);
    foreach ($counts as [$k, $n]) {
        $stats[$k] = (int) $n;
        $stats['total'] += (int) $n;
    }
    $next = $page * $limit < $stats['total']
        ? BASE . '?' . http_build_query(array_merge($_GET, ['page' => $page + 1])) : null;
    return [200, ['success' => true, 'message' => 'Inventory transactions retrieved successfully',
        'inventory_transactions' => array_map(fn ($r) => rowJson($names, $r), $rows), 'stats' => $stats,
        'transaction_types' => TYPES, 'reference_types' => REFERENCE_TYPES,
        'page' => $page, 'limit' => $limit, 'total' => $stats['total'], 'next' => $next]];
}

/** The body of a pick, checked as the C handler checks it (the fields a pick may carry). */
function pickInput(): array
{
    $b = json_decode(file_get_contents('php://input'), true);
    if (!is_array($b) || array_is_list($b)) {
        throw new Refusal(400, 'Invalid JSON body');
    }
    foreach (array_keys($b) as $k) {
        if (!in_array($k, PICK_FIELDS, true)) {
            throw new Refusal(400, "Unknown field: $k");
        }
    }
    foreach (['warehouse_id', 'item_id', 'stock_id', 'transaction_type'] as $k) {
        if (!is_string($b[$k] ?? null) || $b[$k] === '') {
            throw new Refusal(400, "Field required: $k");
        }
    }
    if ($b['transaction_type'] !== 'pick') {
        throw new Refusal(400, 'Invalid transaction type');
    }
    if (!is_int($b['quantity'] ?? null) || $b['quantity'] <= 0) {
        throw new Refusal(400, 'Invalid quantity');
    }
    if (empty($b['from_bin_id'])) {
        throw new Refusal(400, 'Pick requires from bin');
    }
    if (!empty($b['reference_id']) && empty($b['reference_type'])) {
        throw new Refusal(400, 'Reference type required when reference ID provided');
    }
    if (!empty($b['reference_type']) && !in_array($b['reference_type'], REFERENCE_TYPES, true)) {
        throw new Refusal(400, 'Invalid reference type');
    }
    foreach (['warehouse_id', 'item_id', 'stock_id', 'from_bin_id'] as $k) {
        $b[$k] = strtolower($b[$k]);
    }
    foreach (['reference_id', 'reference_type', 'notes'] as $k) {
        $b[$k] = empty($b[$k]) ? null : $b[$k];
    }
    return $b;
}

/** One attempt of the pick, whose first CALL opens the transaction: itx_single_lock_begin takes the locks
 * (sessions, bin, stock) and reads what the checks need, the checks run in stocktake's order, ledger_post_single writes. */
function pickAttempt(PDO $db, array $c, array $in): array
{
    $t = $c['tenant_id'];
    [$rows, $names] = run($db, 'pick_lock', [$t, $in['stock_id'], $in['warehouse_id'], $c['sub'], $t, 1, null]);
    $row = array_combine($names, $rows[0]);
    admit($c, $row['_caller'], WRITE_SCOPES);
    if ($row['clock'] === null) {
        throw new Refusal(404, 'Warehouse not found');
    }
    if ($row['s_id'] === null || $row['s_warehouse_id'] !== $in['warehouse_id'] || $row['s_status'] === 'inactive') {
        throw new Refusal(404, 'Stock not found');
    }
    if (strtolower($row['s_item_id']) !== $in['item_id']) {
        throw new Refusal(400, 'Item ID mismatch');
    }
    if ($in['from_bin_id'] !== strtolower($row['s_bin_id'])) {
        throw new Refusal(400, 'From bin must match stock bin');
    }
    $frozen = $row['bin_id'] === $row['s_bin_id'] ? $row['frozen'] : $row['s_frozen'];
    if ($frozen !== null) {
        throw new Refusal(409, "Bin is locked by count session $frozen");
    }
    if ($in['quantity'] > (int) $row['s_quantity']) {
        throw new Refusal(409, 'Insufficient stock');
    }
    $r = random_bytes(16);
    $id = vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex(
        ($r & "\xff\xff\xff\xff\xff\xff\x0f\xff\x3f\xff\xff\xff\xff\xff\xff\xff")
        | "\x00\x00\x00\x00\x00\x00\x40\x00\x80\x00\x00\x00\x00\x00\x00\x00"), 4));
    [$rows, $names] = run($db, 'pick_post', [$id, $t, $in['warehouse_id'], $in['item_id'], $in['stock_id'],
        'pick', $in['quantity'], -$in['quantity'], 0, $in['from_bin_id'], null, $in['reference_id'],
        $in['reference_type'], $in['notes'], $c['sub'], $row['clock']]);
    return [201, ['success' => true, 'message' => 'Inventory transaction created successfully',
        'inventory_transaction' => rowJson($names, $rows[0], 0, 17),
        'updated_stock' => rowJson($names, $rows[0], 17, 29)]];
}

/** The pick in one transaction, run again after a deadlock as db_transaction does. */
function pick(): array
{
    $c = caller();
    $in = pickInput();
    $db = db();
    for ($attempt = 1; ; $attempt++) {
        try {
            $answer = pickAttempt($db, $c, $in);
            $db->exec('COMMIT');
            return $answer;
        } catch (Throwable $e) {
            $db->exec('ROLLBACK');
            if (!($e instanceof PDOException && ($e->errorInfo[1] ?? 0) === 1213 && $attempt < 3)) {
                throw $e;
            }
        }
    }
}

function route(): array
{
    $path = parse_url(substr($_SERVER['REQUEST_URI'], strlen('/peer/php')), PHP_URL_PATH);
    $method = $_SERVER['REQUEST_METHOD'];
    if ($path === BASE && $method === 'GET') {
        return listPage();
    }
    if ($path === BASE && $method === 'POST') {
        return pick();
    }
    if (str_starts_with($path, BASE . '/') && $method === 'GET') {
        return getOne(substr($path, strlen(BASE) + 1));
    }
    throw new Refusal(404, 'Not found');
}

try {
    [$status, $body] = route();
} catch (Refusal $e) {
    [$status, $body] = [$e->status, ['success' => false, 'message' => $e->getMessage()]];
} catch (Throwable $e) {
    error_log('php peer: ' . $e);
    [$status, $body] = [500, ['success' => false, 'message' => 'Internal server error']];
}
http_response_code($status);
header('Content-Type: application/json');
echo json_encode($body, JSON_UNESCAPED_SLASHES);
