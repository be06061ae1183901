-- Driven by test/neovim.test.ts in a headless Neovim that loaded the README's configuration:
-- opens the guide example, waits for Nix VFIO's findings, applies the quick fix for the
-- parameter meant for the other CPU vendor, saves, waits for the finding to go, and writes what
-- it saw to NIX_VFIO_RESULT as JSON. Works on Neovim 0.7 and newer.
local result = { steps = {} }
local function finish()
  local file = io.open(os.getenv('NIX_VFIO_RESULT'), 'w')
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd('qall!')
end
local function step(name) table.insert(result.steps, name) end
local function ours() return vim.tbl_filter(function(d) return d.source == 'nix-vfio' end, vim.diagnostic.get(0)) end
local function codes()
  local list = {}
  for _, d in ipairs(ours()) do table.insert(list, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)) end
  table.sort(list)
  return list
end

local ok, err = pcall(function()
  vim.cmd('edit configuration.nix')
  step('opened ' .. vim.bo.filetype)
  if not vim.wait(60000, function() return #ours() > 0 end, 50) then error('no findings from nix-vfio') end
  result.before = codes()
  step('findings')
  -- The finding on "amd_iommu=on" and its quick fix.
  local target
  for _, d in ipairs(ours()) do
    local lsp = d.user_data and d.user_data.lsp
    if d.code == 'iommu-param-wrong-vendor' or (lsp and lsp.code == 'iommu-param-wrong-vendor') then target = d end
  end
  if not target then error('no iommu-param-wrong-vendor finding') end
  -- As a user does: cursor on the finding, :lua vim.lsp.buf.code_action(), pick the fix.
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local offered = {}
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local candidate = item.action or item[2]
      table.insert(offered, candidate.title)
      if candidate.title:find('intel_iommu=on', 1, true) then
        result.fix = candidate.title
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  vim.lsp.buf.code_action()
  if not vim.wait(20000, function() return vim.fn.search('"intel_iommu=on"', 'nw') > 0 end, 50) then
    error('the quick fix did not apply; offered: ' .. vim.inspect(offered))
  end
  vim.cmd('write')
  step('fixed')
  if not vim.wait(60000, function() return not vim.tbl_contains(codes(), 'iommu-param-wrong-vendor') end, 50) then error('the finding stayed after the fix') end
  result.after = codes()
  -- Hover on the GPU's address in the driver_override script: the device first.
  local line = vim.fn.search('0000:0f:00.0', 'n')
  local column = vim.fn.match(vim.fn.getline(line), '0000:0f:00.0') + 2
  local hover = vim.lsp.buf_request_sync(0, 'textDocument/hover', { textDocument = vim.lsp.util.make_text_document_params(), position = { line = line - 1, character = column } }, 20000) or {}
  for _, response in pairs(hover) do
    if response.result then result.hover = response.result.contents.value end
  end
end)
if not ok then result.error = tostring(err) end
finish()
