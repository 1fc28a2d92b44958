-- Driven by test/lsp/neovim.test.ts: a headless Neovim with its built-in LSP client and `trustlens lsp`. Opens
-- package.json, waits for TrustLens's diagnostics, asks for the hover on "downgrade", applies the pin quick fix and
-- writes the buffer; what it saw goes to JSON files in $TL_OUT for the test to judge.
local out = vim.env.TL_OUT
-- A hang guard, not a speed target: it only ends a wait that would otherwise never end.
local HANG_GUARD_MS = tonumber(vim.env.TL_HANG_GUARD_MS)

local function write(name, value)
  local f = assert(io.open(out .. '/' .. name, 'w'))
  f:write(vim.fn.json_encode(value))
  f:close()
end

local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.TL_PROJECT .. '/package.json'))
  local bufnr = vim.api.nvim_get_current_buf()
  local config = {
    name = 'trustlens',
    cmd = { 'node', vim.env.TL_BIN, 'lsp', '--stdio' },
    root_dir = vim.env.TL_PROJECT,
    init_options = vim.fn.json_decode(vim.env.TL_INIT),
  }
  local client_id
  if vim.lsp.start then
    -- Neovim 0.8 and later (the README's snippet).
    client_id = vim.lsp.start(config)
  else
    -- Neovim 0.7 (Debian 12's): the same, by hand.
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
  write('version.json', { nvim = vim.version(), start = vim.lsp.start and 'vim.lsp.start' or 'vim.lsp.start_client' })

  local arrived = vim.wait(HANG_GUARD_MS, function() return #vim.diagnostic.get(bufnr) > 0 end, 20)
  if not arrived then error('hang guard: no diagnostics after ' .. HANG_GUARD_MS .. ' ms') end
  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      message = d.message, severity = d.severity, source = d.source, code = d.code or lsp.code,
    })
  end
  write('diagnostics.json', diagnostics)

  local line = vim.fn.search('"downgrade"') - 1
  local character = vim.fn.col('.') + 1
  local uri = vim.uri_from_bufnr(bufnr)
  local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover',
    { textDocument = { uri = uri }, position = { line = line, character = character } }, HANG_GUARD_MS)
  write('hover.json', hover and hover[client_id] and hover[client_id].result or vim.NIL)

  local range = { start = { line = line, character = 0 }, ['end'] = { line = line, character = 200 } }
  local answer = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction',
    { textDocument = { uri = uri }, range = range, context = { diagnostics = {} } }, HANG_GUARD_MS)
  local actions = answer and answer[client_id] and answer[client_id].result or {}
  local titles = {}
  local pin
  for _, a in ipairs(actions) do
    table.insert(titles, a.title)
    if a.title:find('^Pin downgrade to 2%.0%.1') then pin = a end
  end
  write('actions.json', titles)
  if not pin then error('no pin action among ' .. vim.inspect(titles)) end
  vim.lsp.util.apply_workspace_edit(pin.edit, vim.lsp.get_client_by_id(client_id).offset_encoding or 'utf-16')
  vim.cmd('write')
  vim.lsp.stop_client(client_id)
end

local ok, err = pcall(run)
if not ok then
  write('error.json', { error = tostring(err) })
  vim.cmd('cquit 1')
end
vim.cmd('qall!')
